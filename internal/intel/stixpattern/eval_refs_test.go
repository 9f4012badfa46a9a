package stixpattern

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Comparisons joined by AND within one observation expression must hold
// for the same object (9.5); OR may mix objects.
func TestSameRootObject(t *testing.T) {
	obs := loadString(t, `{"type":"observed-data","id":"observed-data--0b083894-21c0-433f-b924-7ea8e9bac52f",
	  "first_observed":"2004-11-26T11:42:29Z","last_observed":"2004-11-26T11:42:29Z","number_observed":1,
	  "objects":{"a":{"type":"person","name":"alice","age":10},"b":{"type":"person","name":"bob","age":15}}}`)
	runCases(t, obs, []evalCase{
		{"[person:name = 'alice' AND person:age < 20]", match},
		{"[person:name = 'alice' OR person:age > 20]", match},
		{"[person:name = 'alice' OR person:age > 1000 AND person:age < 0]", match},
		{"[(person:name = 'carol' OR person:name = 'bob') AND person:age > 10]", match},
		{"[(person:name = 'darlene' OR person:name = 'carol') AND person:age < 0 OR person:age > 5]", match},
		{"[person:name = 'alice' AND person:age > 10]", nomatch},
		{"[person:name = 'carol' OR person:age > 20]", nomatch},
		{"[(person:age = 'alice' OR person:age > 1000) AND person:age < 0]", nomatch},
		{"[(person:name = 'darlene' OR person:name = 'carol') AND (person:age < 0 OR person:age > 5)]", nomatch},
		{"[person:name = 'alice'] AND [person:name = 'bob']", nomatch}, // one observation, number_observed 1
		{"[person:name = 'alice' OR robot:name = 'x']", match},
		{"[(person:name = 'alice' OR robot:name = 'x') AND person:age = 10]", match},
		{"[person:name = 'alice' AND robot:name = 'x']", invalid},
		{"[(person:name = 'alice' AND robot:name = 'x') OR person:age = 10]", invalid},
		{"[(person:name = 'a' OR robot:name = 'x') AND (cat:name = 'y' OR dog:name = 'z')]", invalid},
	})
}

// *_ref and *_refs dereference within the observation (9.7.4), cycles
// included.
func TestReferences(t *testing.T) {
	runCases(t, loadFile(t, "refs.json"), []evalCase{
		{"[person:knows_ref.name = 'bob']", match},
		{"[person:knows_refs[*].name = 'alice' OR person:knows_ref.name = 'darlene']", match},
		{"[person:knows_refs[*].name = 'carol' AND person:knows_refs[*].name = 'bob']", match},
		{"[person:knows_refs[*].knows_refs[*].name = 'alice']", match},
		{"[person:knows_refs[*].knows_refs[*].knows_refs[*].knows_refs[*].knows_refs[*].name = 'bob']", match},
		{"[person:knows_ref.knows_refs[1].name = 'carol']", match},
		{"[person:knows_refs[2].name = 'bob']", match}, // index 1 does not resolve; positions are kept
		{"[person:knows_refs[1].name = 'bob']", nomatch},
		{"[EXISTS person:knows_refs[1]]", match}, // bob's second reference resolves
		{"[person:knows_ref.name = 'erin']", nomatch},
		{"[person:knows_refs[*].name = 'alice' AND person:knows_ref.name = 'darlene']", nomatch},
		{"[person:knows_refs[*].name = 'erin' OR person:knows_refs[*].name = 'darlene']", nomatch},
		{"[person:knows_refs.name = 'bob']", nomatch}, // a list needs an index
		{"[person:knows_ref = '1']", nomatch},         // the reference is replaced by the object
		{"[robot:knows_ref.name = 'alice']", badData},
		{"[robot:friends_refs[*].name = 'alice']", badData},
		{"[robot:name = 'dave']", match},
	})
}

// STIX 2.1 observed-data list their objects in object_refs; only those
// objects may be followed by references.
func TestObjectRefsAndSpecExamples(t *testing.T) {
	runCases(t, loadFile(t, "network.json"), []evalCase{
		{"[network-traffic:src_ref.value = '203.0.113.10']", match},
		{"[network-traffic:dst_ref.value = '198.51.100.58']", match},
		// Section 9.5: the two addresses are on different network-traffic objects.
		{"[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']", nomatch},
		{"[network-traffic:src_ref.value = '198.51.100.3' AND network-traffic:dst_ref.value = '2001:0db8:dead:beef:0000:0000:0000:0001']", match},
		{"[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_port = 443]", match},
		{"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", match},
		{"[network-traffic:protocols[*] = 'tls']", match},
		{"[network-traffic:protocols[0] = 'tcp']", match},
		{"[(network-traffic:dst_port IN (443, 6443, 8443) AND network-traffic:src_packets != 0)]", match},
		{"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", match},
		{"[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']", nomatch},
		{"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", match},
		{"[file:hashes.md5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", nomatch},
		{"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'image/bmp']", match},
		{"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']", match},
		{"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", match},
		{"[file:extensions.'windows-pebinary-ext'.sections[1].entropy > 7.0]", nomatch},
		{"[(file:name = 'pdf.exe' OR file:size = 371712) AND file:mime_type = 'image/bmp']", match},
		{"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']", match},
		{"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']", nomatch},
		{"[email-message:from_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']", match},
		{"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.3']", match},
		// The second address is in the bundle but not in object_refs.
		{"[domain-name:resolves_to_refs[*].value = '198.51.100.1']", nomatch},
		{"[ipv4-addr:value = '198.51.100.1']", nomatch},
		{"[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']", nomatch},
		{"[artifact:payload_bin = 'this is a test']", match},
		{"[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']", match},
		{"[artifact:payload_bin = h'7468697320697320612074657374']", match},
		{"[artifact:mime_type = 'application/octet-stream' AND artifact:payload_bin MATCHES '^this']", match},
		{"[observed-data:number_observed = 1]", nomatch},
		{"[ipv4-addr:value = '198.51.100.1/32']", nomatch}, // '=' compares strings
	})
}

// A dense web of references and a long path of [*] steps: values are
// de-duplicated at each step, so the work stays proportional to the input.
func TestReferenceCyclesStayCheap(t *testing.T) {
	const n = 300
	var objs []string
	for i := 0; i < n; i++ {
		var refs []string
		for j := 0; j < n; j++ {
			refs = append(refs, fmt.Sprintf("%q", fmt.Sprint(j)))
		}
		objs = append(objs, fmt.Sprintf("%q:{\"type\":\"node\",\"name\":\"n%d\",\"self_ref\":%q,\"next_refs\":[%s]}",
			fmt.Sprint(i), i, fmt.Sprint(i), strings.Join(refs, ",")))
	}
	obs := loadString(t, `{"type":"observed-data","id":"observed-data--9813cee6-9e9d-4199-88d2-a740331fa8a1",
	  "first_observed":"1984-06-26T13:53:04Z","last_observed":"1984-06-26T13:53:04Z","number_observed":1,
	  "objects":{`+strings.Join(objs, ",")+`}}`)
	path := "node:self_ref" + strings.Repeat(".self_ref", 50) + strings.Repeat(".next_refs[*]", 20) + ".name"
	start := time.Now()
	runCases(t, obs, []evalCase{
		{"[" + path + " = 'n299']", match},
		{"[" + path + " = 'n300']", nomatch},
	})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}
