package stixpattern

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func andOf(n int, expr func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = expr(i)
	}
	return strings.Join(parts, " AND ")
}

// 20 observations against 20 ANDed observation expressions: a bipartite
// matching, not 20! permutations.
var andBenchmarks = []struct {
	name, pattern string
	want          bool
}{
	{"same-20", andOf(20, func(int) string { return "[person:age < 20]" }), true},
	{"same-21-nomatch", andOf(21, func(int) string { return "[person:age < 20]" }), false},
	{"distinct-20", andOf(20, func(i int) string { return fmt.Sprintf("[person:age >= %d]", i) }), true},
	{"distinct-20-nomatch", andOf(20, func(i int) string { return fmt.Sprintf("[person:age >= %d]", min(i+1, 19)) }), false},
	{"or-20", andOf(20, func(i int) string { return fmt.Sprintf("([person:age = %d] OR [person:age = %d])", i, (i+1)%20) }), true},
	{"or-20-nomatch", andOf(20, func(i int) string { return fmt.Sprintf("([person:age = %d] OR [person:age = %d])", i/3, i/3+10) }), false},
	{"followedby-20", strings.Repeat("[person:age < 20] FOLLOWEDBY ", 19) + "[person:age < 20]", true},
	{"within-pairs-nomatch", andOf(8, func(i int) string {
		return fmt.Sprintf("(([person:age < %d] FOLLOWEDBY [person:age > 5]) WITHIN 1 SECONDS)", 20+i%2)
	}), false},
}

func TestAndBenchmarkCases(t *testing.T) {
	obs := twenty(t)
	for _, b := range andBenchmarks {
		r, err := mustParse(t, b.pattern).Evaluate(context.Background(), obs)
		if err != nil || r.Matched != b.want {
			t.Errorf("%s: matched %v, err %v; want %v", b.name, r.Matched, err, b.want)
		}
	}
}

func BenchmarkAnd20(b *testing.B) {
	obs := twenty(b)
	for _, c := range andBenchmarks {
		p := mustParse(b, c.pattern)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if r, err := p.Evaluate(context.Background(), obs); err != nil || r.Matched != c.want {
					b.Fatalf("matched %v, err %v", r.Matched, err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	src := specPatterns[len(specPatterns)/2]
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashPattern(b *testing.B) {
	obs := loadFile(b, "network.json")
	p := mustParse(b, "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']")
	for b.Loop() {
		if _, ok := p.Match(obs); !ok {
			b.Fatal("no match")
		}
	}
}
