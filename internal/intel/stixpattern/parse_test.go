package stixpattern

import (
	"errors"
	"strings"
	"testing"
)

// The patterns of STIX 2.1 section 9 (examples and tables), all valid.
var specPatterns = []string{
	`[file:size = 25536]`,
	`[user-account:value = 'Peter']`,
	`[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']`,
	`([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])`,
	`([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 SECONDS`,
	`[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
	`[ipv4-addr:value = '198.51.100.1/32']`,
	`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']`,
	`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] REPEATS 5 TIMES`,
	`([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS`,
	`[ network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58' ]`,
	`[(type-a:'property-j' = 'W' AND type-a:property_k = 'X') OR (type-b:property_m = 'Y' AND type-b:property_n = 'Z')]`,
	`[type-a:property_j = 'W' AND type-a:property_k = 'X' OR type-a:property_l = 'Z']`,
	`[file:hashes.'SHA-256' = '13987239847...'] AND [windows-registry-key:key = 'hkey']`,
	`([file:hashes.'SHA-256' = '13987239847...'] AND [windows-registry-key:key = 'hkey']) WITHIN 120 SECONDS`,
	`[ a:b = 'b' ] FOLLOWEDBY [ c:d = 'd' ] REPEATS 5 TIMES`,
	`([ a:b = 'b' ] FOLLOWEDBY [ c:d = 'd' ]) REPEATS 5 TIMES`,
	`[file:name = 'foo.dll']`,
	`[file:size != 4112]`,
	`[file:size > 256]`,
	`[file:size < 1024]`,
	`[file:size <= 25145]`,
	`[file:size >= 33312]`,
	`[process:name IN ('proccy', 'proximus', 'badproc')]`,
	`[directory:path LIKE 'C:\\Windows\\%\\foo']`,
	`[directory:path MATCHES '^C:\\\\Windows\\w+$']`,
	`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`,
	`[ipv4-addr:value ISSUPERSET '198.51.100.0/24']`,
	`[EXISTS windows-registry-key:values]`,
	`[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']`,
	`[artifact:payload_bin = 'this is a test']`,
	`[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`,
	`[artifact:payload_bin = h'7468697320697320612074657374']`,
	`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
	`[network-traffic:protocols[0] = 'tcp']`,
	`[file:hashes.ssdeep = 'x']`,
	`[file:extensions.'raster-image-ext'.image_height > 100]`,
	`[email-message:from_ref.value = 'a@example.com']`,
	`[directory:contains_refs[*].name = 'x']`,
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
	`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
	"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']\nAND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
	`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
	`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
	`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
	`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
	`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
	`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
	`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`,
	`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
	`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
	`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
	`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
	`[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']`,
	`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
	`[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
	`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
	`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
	`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = 'procfoo']`,
	// From the reference validator's 2.1 pass cases.
	`[file:extended_properties.'ntfs-ext'.sid = '234']`,
	`[x_whatever:detected == t'2018-03-22T12:11:14.1Z']`,
	`[foo:bar=1] REPEATS 9 TIMES`,
	`( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])`,
	`([win-registry-key:key = 'hkey_local_machine\\foo\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS`,
	`([win-registry-key:key = 'hkey_local_machine\\foo\\bar'] REPEATS 2 TIMES) REPEATS 2 TIMES`,
	`[network-traffic:src_port = 37020 OR user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'`,
	// Lexical corners of the grammar.
	"[a:b = 1]\t/* comment */ AND // line comment\r\n[a:b = 2]",
	"[a:b\u3000=\u00a01]\u2028OR\u2003[a:b = 2]",
	`[a:b = 1] WITHIN 5SECONDS`,
	`[a:b = -.5 OR a:b = +.5 OR a:b = -0 OR a:b = +0 OR a:b = 0.0 OR a:b <> 1]`,
	`[a:'b c'.'d\'e'.'f\\g'[0][*][-1] = 'x']`,
	`[a_b-c:_x = 'y']`,
	`[a:b = 'quote \' and backslash \\']`,
	`[a:b IN ()]`,
	`[a:b IN (h'00', b'AA==')]`,
	`[a:b = 1] REPEATS +2 TIMES WITHIN 1.5 SECONDS START t'2016-02-29T23:59:60.123456789123Z' STOP t'9999-12-31T23:59:59Z'`,
}

func TestParseSpecPatterns(t *testing.T) {
	for _, s := range specPatterns {
		p, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		canon := p.String()
		p2, err := Parse(canon)
		if err != nil {
			t.Errorf("Parse(String()) of %q = %q: %v", s, canon, err)
			continue
		}
		if p2.String() != canon {
			t.Errorf("round trip of %q:\n %q\n %q", s, canon, p2.String())
		}
		if p.Source() != s {
			t.Errorf("Source() = %q", p.Source())
		}
	}
}

func TestCanonicalForm(t *testing.T) {
	for in, want := range map[string]string{
		"[ a:b=1 ]":                       "[a:b = 1]",
		"[a:b==1]AND[a:c<>'x']":           "[a:b = 1] AND [a:c != 'x']",
		"([a:b = 1]) WITHIN 5.50 SECONDS": "([a:b = 1]) WITHIN 5.5 SECONDS",
		"[a:'b'.'c-d' NOT IN ( 1 , 2 )]":  "[a:b.'c-d' NOT IN (1, 2)]",
		"[a:b = 1] START t'2016-01-01T00:00:00.000Z' STOP t'2016-01-02T00:00:00Z'": "[a:b = 1] START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00Z'",
		"[(a:b = 1 OR a:c = 2) AND a:d = 3]":                                       "[(a:b = 1 OR a:c = 2) AND a:d = 3]",
		"[a:'IN' = 1 AND a:'true' = 2]":                                            "[a:'IN' = 1 AND a:'true' = 2]",
	} {
		p, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := p.String(); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// Syntax errors name the position (line:column, bytes from 1) and what the
// grammar expected there.
func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ pattern, want string }{
		{"[file:size = 10 FOLLOWEDBY [file:size = 11]]", "1:17: expected ']' or AND/OR, found 'FOLLOWEDBY'"},
		{"", "1:1: expected '[' or '(', found end of pattern"},
		{"   ", "1:4: expected '[' or '(', found end of pattern"},
		{"file:size = 1280", "1:1: expected '[' or '(', found 'file'"},
		{"[file:size = ]", "1:14: expected a constant, found ']'"},
		{"[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", "1:20: expected a constant, found 'cead3f77f6cda6ec00f57d76c9a6879f'"},
		{"[file.size = 1280]", "1:6: expected ':', found '.'"},
		{"[file:name MATCHES /.*\\.dll/]", "1:20: expected string literal, found '/'"},
		{"[a:b = 1] WITHIN ]", "1:18: expected a positive number of seconds, found ']'"},
		{"[a:b = 1] WITHIN 5 HOURS]", "1:20: expected SECONDS, found 'HOURS'"},
		{"[a:b = 1] WITHIN -5 SECONDS]", "1:18: expected a positive number of seconds, found '-5'"},
		{"[a:b ISSUBSET ]", "1:15: expected string literal, found ']'"},
		{"[a:b =? 'x']", "1:7: invalid character '?'"},
		{"[x:y == t'2457-73-22T32:81:84.1Z']", "1:9: invalid timestamp literal"},
		{"[a:b = b'====']", "1:8: invalid binary literal"},
		{"[a:b=1] within 2 seconds", "1:9: expected AND/OR/FOLLOWEDBY, a qualifier or end of pattern, found 'within'"},
		{"[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", "1:28: duplicate WITHIN qualifier"},
		{"([a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", "1:28: duplicate REPEATS qualifier"},
		{"[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'", "duplicate START/STOP qualifier"},
		{"[a:b = 1] REPEATS 0 TIMES", "1:19: REPEATS must be a positive integer, not 0"},
		{"[a:b = 1] WITHIN 0 SECONDS", "1:18: WITHIN must be a positive number of seconds, not 0"},
		{"[some-type:needs-quotes = 1]", "1:12: property name needs-quotes contains '-'"},
		{"[a:b = 'x\\n']", `1:10: invalid escape in string literal`},
		{"[a:b = 'x", "1:8: unterminated string literal"},
		{"[a:b = 1] /* x", "1:11: unterminated /* comment"},
		{"[a:b = 1]\n AND\n [a:b = ]", "3:9: expected a constant, found ']'"},
		{"[a:b = 1 AND c:d = 2]", "1:14: AND joins comparisons on different object types (a and c)"},
		{"[a:b IN (1, 'x')]", "1:13: IN set mixes constant types: a string after an integer"},
		{"[a:b IN (1, true)]", "IN set mixes constant types"},
		{"[a:b IN (1 2)]", "1:12: expected ',' or ')', found '2'"},
		{"[a:b = 1]]", "1:10: expected AND/OR/FOLLOWEDBY, a qualifier or end of pattern, found ']'"},
		{"([a:b = 1]", "1:11: expected ')', AND/OR/FOLLOWEDBY or a qualifier, found end of pattern"},
		{"[(a:b = 1]", "1:10: expected ')' or AND/OR, found ']'"},
		{"[]", "1:2: expected an object path, '(' or EXISTS, found ']'"},
		{"()", "1:2: expected '[' or '(', found ')'"},
		{"[a:b = 1] AND", "1:14: expected '[' or '(', found end of pattern"},
		{"[a:b NOT]", "1:9: expected a comparison operator, found ']'"},
		{"[a:b 5]", "1:6: expected '.', '[', a comparison operator or NOT, found '5'"},
		{"[a:b[x] = 1]", "1:6: expected a list index or '*', found 'x'"},
		{"[a:b = 007]", "1:8: invalid integer literal: leading zeros"},
		{"[a:b = 1] START '2016-06-01T01:30:00Z' STOP '2016-06-01T02:20:00Z'", "1:17: START takes a timestamp literal"},
		{"[a:b = 1] REPEATS 99999999999999999999 TIMES", "out of range"},
		{"[a:b = 'é'] AND [a:b = 1 ", "1:27: expected ']' or AND/OR, found end of pattern"},
		{"[a:b = 1] AND [a:b = '\xff']", "1:23: invalid UTF-8"},
		{"[a:b = 1] & [a:b = 2]", "1:11: invalid character '&'"},
		{"[a:b = 1] AND [a:b MATCHES '(?=x)']", "1:28: MATCHES '(?=x)': unsupported or invalid regular expression"},
		{"[a:b = 1] AND [a:b ISSUBSET '10.0.0.0/99']", "1:29: ISSUBSET '10.0.0.0/99': not an IP address or CIDR block"},
		{"[a:b.IN = 1]", "1:6: property name IN is a keyword: quote it as 'IN'"},
	}
	for _, c := range cases {
		_, err := Parse(c.pattern)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", c.pattern, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q):\n got  %v\n want %s", c.pattern, err, c.want)
		}
		if se.Pos < 0 || se.Pos > len(c.pattern) {
			t.Errorf("Parse(%q): position %d out of range", c.pattern, se.Pos)
		}
	}
}

func TestSyntaxErrorFields(t *testing.T) {
	_, err := Parse("[a:b = 1]\n[a:b = 2]")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	if se.Pos != 10 || se.Line != 2 || se.Col != 1 || se.Found != "'['" || len(se.Expected) != 3 {
		t.Errorf("%+v", se)
	}
}

// Nesting is bounded so hostile patterns cannot exhaust the stack.
func TestNestingLimit(t *testing.T) {
	for _, n := range []int{MaxNesting, MaxNesting + 1, 1000, 100000} {
		obs := strings.Repeat("(", n) + "[a:b = 1]" + strings.Repeat(")", n)
		cmp := "[" + strings.Repeat("(", n) + "a:b = 1" + strings.Repeat(")", n) + "]"
		for _, s := range []string{obs, cmp} {
			_, err := Parse(s)
			if n <= MaxNesting && err != nil {
				t.Errorf("depth %d: %v", n, err)
			}
			if n > MaxNesting && (err == nil || !strings.Contains(err.Error(), "nested deeper")) {
				t.Errorf("depth %d: err = %v", n, err)
			}
		}
	}
	if _, err := Parse("[a:b" + strings.Repeat(".c", MaxPathSteps-1) + " = 1]"); err != nil {
		t.Errorf("longest path: %v", err)
	}
	if _, err := Parse("[a:b" + strings.Repeat("[*]", MaxPathSteps+1) + " = 1]"); err == nil || !strings.Contains(err.Error(), "object path longer") {
		t.Errorf("overlong path: %v", err)
	}
	long := strings.Repeat("[a:b = 1] AND ", 50000) + "[a:b = 1]" // long but flat
	if _, err := Parse(long); err != nil {
		t.Errorf("long flat pattern: %v", err)
	}
	if _, err := Parse(strings.Repeat(" ", MaxPatternBytes+1)); err == nil {
		t.Error("oversized pattern accepted")
	}
}
