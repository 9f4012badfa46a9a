package visible

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`C:\Users\a\ffmpeg.dll`, `C:\Users\a\ffmpeg.dll`},
		{"/tmp/photo_\u202Egpj.exe", "/tmp/photo_<U+202E>gpj.exe"},
		{"a\u202Ab\u202Bc\u202Cd\u202De", "a<U+202A>b<U+202B>c<U+202C>d<U+202D>e"},
		{"\u2066x\u2067y\u2068z\u2069", "<U+2066>x<U+2067>y<U+2068>z<U+2069>"},
		{"rtl\u200Fmark\u200E", "rtl<U+200F>mark<U+200E>"},
		{"tab\there\nnl\x1b[31m", "tab<U+0009>here<U+000A>nl<U+001B>[31m"},
		{"c1\u0085", "c1<U+0085>"},
		{"zero\u200Bwidth\uFEFF", "zero<U+200B>width<U+FEFF>"},
		{"line\u2028para\u2029", "line<U+2028>para<U+2029>"},
		{"bad\xffutf8\xc3", "bad<0xFF>utf8<0xC3>"},
		{"日本語 ünïcödé", "日本語 ünïcödé"},
		{"", ""},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzString checks that the output never carries a character it should
// have escaped, nor invalid UTF-8.
func FuzzString(f *testing.F) {
	f.Add("/tmp/a\u202Eb\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if !needsEscape(s) && out != s {
			t.Fatalf("changed %q to %q", s, out)
		}
		if needsEscape(out) {
			t.Fatalf("String(%q) = %q still needs escaping", s, out)
		}
	})
}
