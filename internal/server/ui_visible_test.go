package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
)

func TestVisible(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{`C:\Users\a\ffmpeg.dll`, `C:\Users\a\ffmpeg.dll`},
		{"/tmp/photo_\u202Egpj.exe", "/tmp/photo_<U+202E>gpj.exe"},
		{"a\u202Ab\u202Bc\u202Cd\u202De", "a<U+202A>b<U+202B>c<U+202C>d<U+202D>e"},
		{"\u2066x\u2067y\u2068z\u2069", "<U+2066>x<U+2067>y<U+2068>z<U+2069>"},
		{"rtl\u200Fmark\u200E", "rtl<U+200F>mark<U+200E>"},
		{"tab\there\nnl\x1b[31m", "tab<U+0009>here<U+000A>nl<U+001B>[31m"},
		{"zero\u200Bwidth\uFEFF", "zero<U+200B>width<U+FEFF>"},
		{"line\u2028para\u2029", "line<U+2028>para<U+2029>"},
		{"bad\xffutf8", "bad<0xFF>utf8"},
		{"日本語 ünïcödé", "日本語 ünïcödé"},
		{finding.Level("high\u202E"), "high<U+202E>"},
		{42, "42"},
	} {
		if got := visibleText(tc.in); got != tc.want {
			t.Errorf("visibleText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPagesEscapeBidi renders the host list with a host whose name and
// id carry a right-to-left override: the page must show the escape, not
// the character.
func TestPagesEscapeBidi(t *testing.T) {
	var buf bytes.Buffer
	err := pages()["hosts"].Execute(&buf, map[string]any{"Title": "Hosts", "Hosts": []fleet.Host{
		{ID: 1, Name: "lab-\u202Eexe.dll", UID: "uid\u2066", OS: "linux", Roles: []string{"build"}}}, "Total": 1})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\u202E\u2066") {
		t.Errorf("page carries a raw bidi control:\n%s", out)
	}
	if !strings.Contains(out, "lab-&lt;U&#43;202E&gt;exe.dll") || !strings.Contains(out, "uid&lt;U&#43;2066&gt;") {
		t.Errorf("escapes not shown:\n%s", out)
	}
}
