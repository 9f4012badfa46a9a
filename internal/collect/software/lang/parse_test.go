package lang

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePackageJSON(t *testing.T) {
	cases := []struct {
		name, in, wantName, wantVersion, err string
	}{
		{"plain", `{"name":"ua-parser-js","version":"0.7.29"}`, "ua-parser-js", "0.7.29", ""},
		{"scoped, spaces", "{\n \"name\" : \" @types/node \",\n \"version\":\"18.15.11\"}", "@types/node", "18.15.11", ""},
		{"bom", "\xef\xbb\xbf{\"name\":\"a\",\"version\":\"1.0.0\"}", "a", "1.0.0", ""},
		{"missing both", `{"description":"x"}`, "", "", ""},
		{"nulls", `{"name":null,"version":null}`, "", "", ""},
		{"escaped", `{"name":"\u0061b","version":"1.0.0"}`, "ab", "1.0.0", ""},
		{"version number", `{"name":"a","version":1}`, "", "", `"version": not a string`},
		{"name object", `{"name":{"x":1}}`, "", "", `"name": not a string`},
		{"name too long", `{"name":"` + strings.Repeat("a", 215) + `"}`, "", "", "longer than 214"},
		{"control char", `{"name":"a\nb"}`, "", "", "control characters"},
		{"array", `[1,2]`, "", "", "cannot unmarshal"},
		{"syntax", "{\n\"name\": \"a\",,\n}", "", "", "line 2 column 13"},
		{"empty", ``, "", "", "unexpected end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pj, err := parsePackageJSON([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || pj.Name != tc.wantName || pj.Version != tc.wantVersion {
				t.Fatalf("got %+v, %v", pj, err)
			}
		})
	}
}

func TestParseMetadata(t *testing.T) {
	cases := []struct {
		name, in, wantName, wantVersion, err string
	}{
		{"wheel", "Metadata-Version: 2.1\nName: ultralytics\nVersion: 8.3.41\nSummary: x\n\nbody\n", "ultralytics", "8.3.41", ""},
		{"crlf", "Metadata-Version: 1.0\r\nName: six\r\nVersion: 1.16.0\r\n", "six", "1.16.0", ""},
		{"case and spacing", "name:   torchtriton  \nVERSION:2.0.0\n", "torchtriton", "2.0.0", ""},
		{"continuation lines", "Metadata-Version: 1.1\nDescription: line one\n        Name: fake\nName: real\nVersion: 1\n", "real", "1", ""},
		{"first wins", "Name: a\nName: b\nVersion: 1\n", "a", "1", ""},
		{"body ignored", "Metadata-Version: 2.1\nName: a\n\nVersion: 9\n", "a", "", ""},
		{"no final newline", "Name: a\nVersion: 2", "a", "2", ""},
		{"bom", "\xef\xbb\xbfName: a\nVersion: 1\n", "a", "1", ""},
		{"stops early", "Name: a\nVersion: 1\nthis line is never read\n", "a", "1", ""},
		{"no headers", "Metadata-Version: 2.1\nSummary: x\n", "", "", "no Name or Version"},
		{"empty", "", "", "", "no Name or Version"},
		{"not a header", "Name: a\njunk\n", "", "", "line 2: not a header"},
		{"too long", "Name: " + strings.Repeat("a", 300) + "\n", "", "", "longer than 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := parseMetadata(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || md.Name != tc.wantName || md.Version != tc.wantVersion {
				t.Fatalf("got %+v, %v", md, err)
			}
		})
	}
}

func TestSplitDistDir(t *testing.T) {
	cases := map[string][2]string{
		"ultralytics-8.3.41.dist-info":    {"ultralytics", "8.3.41"},
		"six-1.16.0.egg-info":             {"six", "1.16.0"},
		"mytool.egg-info":                 {"mytool", ""},
		"foo_bar-1.0-py3.11.egg":          {"foo_bar", "1.0"},
		"torchtriton-2.0.0+git.dist-info": {"torchtriton", "2.0.0+git"},
	}
	for in, want := range cases {
		if n, v := splitDistDir(in); n != want[0] || v != want[1] {
			t.Errorf("splitDistDir(%q) = %q, %q; want %q", in, n, v, want)
		}
	}
}

func TestNormalizePyPIName(t *testing.T) {
	cases := map[string]string{
		"Ultralytics":       "ultralytics",
		"typing_extensions": "typing-extensions",
		"zope.interface":    "zope-interface",
		"A__b-.-C":          "a-b-c",
		"-x-":               "-x-",
	}
	for in, want := range cases {
		if got := normalizePyPIName(in); got != want {
			t.Errorf("normalizePyPIName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPackageJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"ua-parser-js","version":"0.7.29"}`, `{"name":"@s/a","version":"1.0.0-beta.1"}`,
		"\xef\xbb\xbf{}", `{"name":7}`, `[`, `{"name":"\ud800"}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pj, err := parsePackageJSON(b)
		if err != nil {
			return
		}
		if len(pj.Name) > maxNPMName || len(pj.Version) > maxVersionLen {
			t.Fatalf("unbounded field: %d/%d bytes", len(pj.Name), len(pj.Version))
		}
		if !utf8.ValidString(pj.Name) || strings.ContainsAny(pj.Name+pj.Version, "\x00\n\r") {
			t.Fatalf("bad field %q %q", pj.Name, pj.Version)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	for _, s := range []string{
		"Metadata-Version: 2.1\nName: ultralytics\nVersion: 8.3.41\n\nbody",
		"Name: a\r\n Version: 1\r\nVersion: 2\r\n", "\xef\xbb\xbfName:\n", ":\n", "Name: a\x00b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := parseMetadata(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if md.Name == "" && md.Version == "" {
			t.Fatal("no error and no fields")
		}
		if len(md.Name) > maxVersionLen || len(md.Version) > maxVersionLen ||
			strings.ContainsAny(md.Name+md.Version, "\x00\n\r") {
			t.Fatalf("bad fields %q %q", md.Name, md.Version)
		}
	})
}
