package server

import "testing"

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/hosts/3", "/hosts/3"},
		{"/findings?q=ffmpeg.dll&state=new", "/findings?q=ffmpeg.dll&state=new"},
		{"/findings?q=a%20b", "/findings?q=a%20b"},
		{"", "/"},
		{"hosts", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\r\n/evil.example/", "/"},
		{"\t//evil.example/", "/"},
		{"/%2f/evil.example/", "/"},
		{"/%2F/evil.example/", "/"},
		{"/%5cevil.example/", "/"},
		{"/%09/evil.example/", "/"},
		{"/a\\b", "/"},
		{"/a b", "/"},
		{"/a\x7fb", "/"},
		{"/a\u0085b", "/"},
		{"/%zz", "/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
