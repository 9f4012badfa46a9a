package stix

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestSimplePatterns(t *testing.T) {
	const h = "aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868"
	tests := []struct {
		pattern string
		want    []string // "type value"; nil: not simple
	}{
		{"[file:hashes.'SHA-256' = '" + h + "']", []string{"sha256 " + h}},
		{"[file:hashes.'SHA-256' = '" + strings.ToUpper(h) + "']", []string{"sha256 " + h}},
		{"[file:hashes.MD5 = '0123456789abcdef0123456789abcdef' OR file:hashes.'SHA-1' = '0123456789abcdef0123456789abcdef01234567']",
			[]string{"md5 0123456789abcdef0123456789abcdef", "sha1 0123456789abcdef0123456789abcdef01234567"}},
		{"[domain-name:value='a.example' OR domain-name:value LIKE '%.a.example'] OR [file:hashes.MD5 = '0123456789abcdef0123456789abcdef']",
			[]string{"domain a.example", "md5 0123456789abcdef0123456789abcdef"}},
		{"[domain-name:value LIKE '%.a.example'] OR [domain-name:value = 'a.example']", []string{"domain a.example"}},
		{domainTreePattern("b.example"), []string{"domain b.example"}},
		// STIX equality on a domain or URL is exact: no native type is.
		{"[domain-name:value='a.example'] OR [url:value = 'http://b.example/x']", nil},
		{"[domain-name:value = 'a.example']", nil},
		{"[domain-name:value LIKE '%.a.example']", nil},
		{"[domain-name:value = 'A.example' OR domain-name:value LIKE '%.A.example']", nil},
		{"[domain-name:value = 'a.example' OR domain-name:value LIKE '%.b.example']", nil},
		{"[domain-name:value = 'a_b.example' OR domain-name:value LIKE '%.a_b.example']", nil},
		{"[url:value = 'http://b.example/x']", nil},
		{"[file:name LIKE 'a%']", nil},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR ipv6-addr:value = '2001:db8::1']", []string{"ip 10.0.0.0/8", "ip 2001:db8::1"}},
		{`[file:name = 'it\'s.exe']`, []string{`filename ` + exactNameRegex("it's.exe")}},
		// Not simple: every other construct.
		{"[file:hashes.'SHA-256' = '" + h + "' AND file:name = 'a']", nil},
		{"[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']", nil},
		{"[domain-name:value = 'a.example'] WITHIN 5 SECONDS", nil},
		{"[domain-name:value != 'a.example']", nil},
		{"NOT [domain-name:value = 'a.example']", nil},
		{"[domain-name:value LIKE '%.example']", nil},
		{"([domain-name:value = 'a.example'])", nil},
		{"[file:hashes.'SHA-512' = 'ab']", nil},
		{"[file:hashes.MD5 = 'zz']", nil},              // not a digest: left to the evaluator
		{"[ipv4-addr:value = '10.0.0.0/8']", nil},      // equality with a range is a string test
		{"[ipv4-addr:value = '2001:db8::1']", nil},     // wrong family
		{"[file:size = 5]", nil},                       // not a string
		{"[domain-name:value = h'ab']", nil},           // hex literal
		{"[domain-name:value = 'a.example' ORx]", nil}, // junk
		{"[domain-name:value = 'a.example'] OR", nil},  // dangling
		{"[domain-name:value = 'a\\x.example']", nil},  // bad escape
		{"[domain-name:value = 'a.example']]", nil},
	}
	for _, tt := range tests {
		got, ok := simpleIndicators(intel.Indicator{ID: "i", Score: 80, Sources: []string{"s"}}, tt.pattern)
		if !ok {
			if tt.want != nil {
				t.Errorf("%s: not converted", tt.pattern)
			}
			continue
		}
		var s []string
		for _, g := range got {
			s = append(s, string(g.Type)+" "+g.Value)
		}
		if strings.Join(s, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s:\n got %v\nwant %v", tt.pattern, s, tt.want)
		}
	}
}

func TestExactNameRegex(t *testing.T) {
	for _, name := range []string{"ffmpeg.dll", "a+b(1).exe", `we\ird[].txt`} {
		re := regexp.MustCompile("(?i)" + exactNameRegex(name))
		if !re.MatchString(`C:\Program Files\x\`+name) || !re.MatchString("/opt/"+name) || !re.MatchString(name) {
			t.Errorf("%s: does not match its own name", name)
		}
		if re.MatchString("/opt/x"+name) || re.MatchString("/opt/"+strings.ToUpper(name)) && strings.ToUpper(name) != name {
			t.Errorf("%s: matches too much", name)
		}
		if back, ok := exactName(exactNameRegex(name)); !ok || back != name {
			t.Errorf("%s: round trip gave %q %v", name, back, ok)
		}
	}
	if _, ok := exactName(`(^|[\\/])ffmpeg\.dll$`); ok {
		t.Error("a case-insensitive pack regex read as an exact name")
	}
}
