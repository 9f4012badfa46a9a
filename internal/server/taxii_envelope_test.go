package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// referenceObjects is what envelopeObjects must equal: encoding/json reads
// the envelope, taxii.ParseObject each object.
func referenceObjects(body []byte) ([]stixIn, error) {
	var env taxii.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return parseObjects(env.Objects), nil
}

// sameObjects compares two reads of an envelope: the objects' bytes, what
// checking found and the error's text.
func sameObjects(got, want []stixIn) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d objects, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !bytes.Equal(g.raw, w.raw) {
			return fmt.Errorf("object %d: bytes %q, want %q", i, g.raw, w.raw)
		}
		if g.obj != w.obj {
			return fmt.Errorf("object %d: %+v, want %+v", i, g.obj, w.obj)
		}
		if fmt.Sprint(g.err) != fmt.Sprint(w.err) {
			return fmt.Errorf("object %d: error %v, want %v", i, g.err, w.err)
		}
	}
	return nil
}

const envInd = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2023-01-01T00:00:00.000Z","modified":"2023-02-01T00:00:00.000Z","pattern":"[file:name = 'a']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`

var envelopeCases = []struct {
	name string
	body string
	fast bool // read by the one pass (else by encoding/json)
	bad  bool // refused as a whole (400)
}{
	{"plain", `{"objects":[` + envInd + `]}`, true, false},
	{"pretty", "{\n \"more\": false,\n \"objects\": [\n  " + strings.ReplaceAll(envInd, ",", ",\n   ") + "\n ]\n}\n", true, false},
	{"empty", `{}`, true, false},
	{"null objects", `{"objects":null,"next":null,"more":null}`, true, false},
	{"empty objects", `{"objects":[]}`, true, false},
	{"other members", `{"x":[1,-2.5e+3,{"a":[true,false,null]}],"next":"n\u00e9\t\"","more":true,"objects":[` + envInd + `]}`, true, false},
	{"non-objects", `{"objects":[1,"s",[],null,{}]}`, true, false},
	{"missing fields", `{"objects":[{"type":"indicator"},{"id":"x"},{"type":"file","id":"file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}]}`, true, false},
	{"null fields", `{"objects":[{"type":"indicator","type":null}]}`, true, false},
	{"repeated field", `{"objects":[{"type":"x","type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","spec_version":"2.1","created":"2023-01-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}]}`, true, false},
	{"number field", `{"objects":[{"type":5}]}`, true, false},
	{"escaped field", `{"objects":[{"type":"indic\u0061tor","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2023-01-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}]}`, true, false},
	{"case-folded field", `{"objects":[{"TYPE":"indicator","spec_version":"2.1","ID":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2023-01-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}]}`, true, false},
	{"escaped key", `{"objects":[{"\u0074ype":"indicator"}]}`, true, false},
	{"modified before created", `{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2023-02-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}]}`, true, false},
	{"case-folded objects", `{"Objects":[` + envInd + `]}`, false, false},
	{"repeated objects", `{"objects":[` + envInd + `],"objects":[]}`, false, false},
	{"escaped envelope key", `{"obj\u0065cts":[` + envInd + `]}`, false, false},
	{"top-level null", `null`, false, false},
	{"top-level array", `[` + envInd + `]`, false, true},
	{"objects not an array", `{"objects":{}}`, false, true},
	{"more not a bool", `{"more":"yes","objects":[]}`, false, true},
	{"next not a string", `{"next":1,"objects":[]}`, false, true},
	{"truncated", `{"objects":[` + envInd, false, true},
	{"trailing", `{"objects":[]} x`, false, true},
	{"trailing comma", `{"objects":[1,]}`, false, true},
	{"bad number", `{"objects":[01]}`, false, true},
	{"bad escape", `{"objects":["\x"]}`, false, true},
	{"control character", "{\"objects\":[\"\x01\"]}", false, true},
	{"empty body", ``, false, true},
}

func TestEnvelopeObjects(t *testing.T) {
	for _, tc := range envelopeCases {
		t.Run(tc.name, func(t *testing.T) {
			_, fast := scanEnvelope([]byte(tc.body))
			if fast != tc.fast {
				t.Errorf("read in one pass: %v, want %v", fast, tc.fast)
			}
			got, err := envelopeObjects([]byte(tc.body))
			want, werr := referenceObjects([]byte(tc.body))
			if (err != nil) != tc.bad || (werr != nil) != tc.bad {
				t.Fatalf("error %v (reference %v), want refused %v", err, werr, tc.bad)
			}
			if err != nil {
				if he := toHTTP(err); he.Status != http.StatusBadRequest || !strings.Contains(he.Msg, werr.Error()) {
					t.Fatalf("refusal %d %q, want 400 with %q", he.Status, he.Msg, werr)
				}
				return
			}
			if err := sameObjects(got, want); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestEnvelopeObjectsBig: a bench-sized envelope is read in one pass and
// every object checked valid.
func TestEnvelopeObjectsBig(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2023-01-01T00:00:00.000Z","modified":"2023-01-01T00:00:00.000Z","name":"n %d","pattern":"[file:hashes.'SHA-256' = '%064x']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`, i, i, i, i)
	}
	b.WriteString(`]}`)
	got, ok := scanEnvelope(b.Bytes())
	if !ok || len(got) != 1000 {
		t.Fatalf("one pass: %v, %d objects", ok, len(got))
	}
	want, _ := referenceObjects(b.Bytes())
	if err := sameObjects(got, want); err != nil {
		t.Fatal(err)
	}
	for _, in := range got {
		if in.err != nil {
			t.Fatal(in.err)
		}
	}
}

// BenchmarkEnvelopeObjects compares the one pass with encoding/json and
// taxii.ParseObject on a 1,000-object envelope:
//
//	go test -run '^$' -bench EnvelopeObjects ./internal/server/
func BenchmarkEnvelopeObjects(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"objects":[`)
	for i := range 1000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2023-01-01T00:00:00.000Z","modified":"2023-01-01T00:00:00.000Z","name":"n %d","pattern":"[file:hashes.'SHA-256' = '%064x']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`, i, i, i, i)
	}
	buf.WriteString(`]}`)
	body := buf.Bytes()
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := scanEnvelope(body); !ok {
				b.Fatal("not read")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := referenceObjects(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
