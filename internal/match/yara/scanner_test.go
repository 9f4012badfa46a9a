package yara

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
)

func compile(t testing.TB, src string) *Scanner {
	t.Helper()
	c := yr.NewCompiler()
	if err := c.AddSource("test.yar", src, ""); err != nil {
		t.Fatal(err)
	}
	rules, err := c.Rules()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func matchedNames(s *Scanner, r *Result) string {
	var names []string
	for _, i := range r.MatchingRules(s.Rules()) {
		names = append(names, s.Rules().Rules[i].Name)
	}
	return strings.Join(names, ",")
}

func TestScanBytes(t *testing.T) {
	s := compile(t, `
rule text { strings: $a = "hello" condition: #a == 2 and @a[2] == 10 }
rule atEOF { strings: $a = "end" condition: $a at filesize - 3 }
rule hexjump { strings: $a = { 68 65 [2-4] 6F } condition: !a[1] == 5 }
global rule big { condition: filesize > 4 }
private rule hidden { condition: true }
rule usesHidden { condition: hidden }
`)
	r, err := s.ScanBytes(context.Background(), []byte("hello and hello the end"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := matchedNames(s, r), "text,atEOF,hexjump,big,usesHidden"; got != want {
		t.Errorf("matched %s, want %s", got, want)
	}
	r, err = s.ScanBytes(context.Background(), []byte("end"))
	if err != nil {
		t.Fatal(err)
	}
	if got := matchedNames(s, r); got != "" {
		t.Errorf("a false global rule should fail its namespace, matched %s", got)
	}
}

// TestExplodingRules: rules built to blow up end with an error in
// bounded time, never a hang.
func TestExplodingRules(t *testing.T) {
	data := []byte(strings.Repeat("AB", 200000))
	tests := []struct{ name, src string }{
		{"too many matches", `rule m { strings: $a = "A" condition: $a }`},
		{"nested jumps", `rule j { strings: $a = { 41 [0-100000] 42 [0-100000] 43 [0-100000] 44 } condition: $a }`},
		{"huge loop", `rule l { condition: for all i in (0..0x7fffffffffff) : (i >= 0) }`},
	}
	for _, tt := range tests {
		s := compile(t, tt.src)
		s.MaxMatches = 1000
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		_, err := s.ScanBytes(ctx, data)
		cancel()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s: took %v", tt.name, time.Since(start))
		}
		var tm ErrTooManyMatches
		if tt.name == "too many matches" && !errors.As(err, &tm) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestDeadline(t *testing.T) {
	s := compile(t, `rule l { condition: for all i in (0..100000000) : (uint8(i % filesize) < 255) }`)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.ScanBytes(ctx, []byte("xyz")); !errors.Is(err, yr.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

// TestRecycledTablesStartEmpty: ScanTarget reuses a file's match table
// for the next file once report returns; no match may carry over.
func TestRecycledTablesStartEmpty(t *testing.T) {
	src := `rule a { strings: $a = "alpha" $b = { 62 65 74 61 } condition: any of them }
rule b { strings: $c = /gam+a/ condition: #c >= 2 }`
	s, fresh := compile(t, src), compile(t, src)
	dir := t.TempDir()
	words := []string{"alpha ", "beta ", "gamma ", "gammma ", "delta "}
	for i := range 40 {
		var b strings.Builder
		for j := range i % 7 {
			b.WriteString(words[(i*3+j)%len(words)])
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := s.ScanTarget(context.Background(), dir, TreeOptions{Recursive: true, Threads: 2}, func(r FileResult) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		n++
		want, err := fresh.ScanBytes(context.Background(), append([]byte(nil), r.Result.Data...))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Result.Matched, want.Matched) {
			t.Errorf("%s: matched %v, want %v", r.Path, r.Result.Matched, want.Matched)
		}
		for si := range want.Matches {
			if !slices.Equal(r.Result.Matches[si], want.Matches[si]) {
				t.Errorf("%s: string %d matches %v, want %v", r.Path, si, r.Result.Matches[si], want.Matches[si])
			}
		}
	})
	if err != nil || n != 40 {
		t.Fatalf("%d files, %v", n, err)
	}
}
