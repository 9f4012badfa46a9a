package store

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"3cx*.exe", "3CXDesktopApp.EXE", true},
		{"3cx*.exe", "3CXDesktopApp.dll", false},
		{`c:\users\*\app.exe`, `C:\Users\Bob\AppData\app.exe`, true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"*", "", true},
		{"abc", "abcd", false},
		{"ÉCOLE*", "école.txt", true},
		{"a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tc := range tests {
		if got := GlobMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}

func TestGlobPrefix(t *testing.T) {
	tests := []struct {
		pat, want string
		refused   bool
	}{
		{"3CXDesktopApp*.exe", "3cxdesktopapp", false},
		{`C:\Users\*`, `c:\users\`, false},
		{"abc", "abc", false},
		{"*", "", true},
		{"*.exe", "", true},
		{"ab*", "", true},
		{"a?cdef", "", true},
		{"éa*", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		got, err := GlobPrefix(tc.pat)
		if tc.refused != (err != nil) || got != tc.want {
			t.Errorf("GlobPrefix(%q) = %q, %v", tc.pat, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidSearch) {
			t.Errorf("GlobPrefix(%q): %v is not ErrInvalidSearch", tc.pat, err)
		}
	}
}

func TestInferSearchKind(t *testing.T) {
	tests := map[string]string{
		"a3a1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80": SearchDigest,
		"A3A1B2C4D5E6F708192A3B4C5D6E7F8091A2B3C4":                         SearchDigest,
		"0123456789abcdef0123456789abcdef":                                 SearchDigest,
		"0123456789abcdef0123456789abcdeg":                                 SearchName,
		"https://download.3cx.com/x.msi":                                   SearchURL,
		"10.0.0.1":                                                         SearchIP,
		"2001:db8::1":                                                      SearchIP,
		`C:\Users\*\3CX*.exe`:                                              SearchPath,
		"/opt/3cx/*":                                                       SearchPath,
		"3CX Desktop App@>=18.12,<18.13":                                   SearchProduct,
		"xz-utils@5.6.0":                                                   SearchProduct,
		"raw.githubusercontent.com":                                        SearchDomain,
		"3CXDesktopApp.exe":                                                SearchName,
		"ffmpeg*.dll":                                                      SearchName,
		"libxz":                                                            SearchName,
	}
	for q, want := range tests {
		if got := InferSearchKind(q); got != want {
			t.Errorf("InferSearchKind(%q) = %s, want %s", q, got, want)
		}
	}
}

// FuzzSearchQuery: any query text parses without panicking, a glob
// matches itself literally when it has no wildcards, and a pattern the
// index would serve has a prefix that every match starts with (folded).
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"3CX*.exe", `C:\Users\*\a?.dll`, "xz@>=5.6.0,<5.6.2", "*", "a*a*a*b", "ÉCOLE*", "@", "x@>=", "::1"} {
		f.Add(s, "3cxdesktopapp.exe")
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		if len(pat) > 256 || len(s) > 256 {
			return
		}
		_ = InferSearchKind(pat)
		if _, r, err := ParseProduct(pat); err == nil {
			_ = r.Contains("windows", s)
		}
		if !strings.ContainsAny(pat, "*?") && utf8.ValidString(pat) && !GlobMatch(pat, pat) {
			t.Errorf("%q does not match itself", pat)
		}
		prefix, err := GlobPrefix(pat)
		if err == nil && GlobMatch(pat, s) && utf8.ValidString(s) && !strings.HasPrefix(asciiLower(s), prefix) {
			t.Errorf("%q matches %q outside its index prefix %q", pat, s, prefix)
		}
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
