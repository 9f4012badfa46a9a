package yara

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func compileSrc(t *testing.T, src string) *Rules {
	t.Helper()
	c := NewCompiler()
	if err := c.AddSource("t.yar", src, ""); err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	r, err := c.Rules()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGateShapes(t *testing.T) {
	for _, c := range []struct {
		cond string
		want []int // string indices of the rule ($a=0, $b=1, $c=2); nil: not gated
	}{
		{"$a", []int{0}},
		{"$a at 4", []int{0}},
		{"$b in (0..10)", []int{1}},
		{"($c)", []int{2}},
		{"any of them", []int{0, 1, 2}},
		{"all of ($a, $b)", []int{0, 1}},
		{"2 of ($b*, $c)", []int{1, 2}},
		{"1 of them in (0..5)", []int{0, 1, 2}},
		{"50% of them", []int{0, 1, 2}},
		{"0 of them", nil},
		{"none of them", nil},
		{"#a > 0", []int{0}},
		{"#a >= 1", []int{0}},
		{"#a >= 0", nil},
		{"#a == 2", []int{0}},
		{"#a == 0", nil},
		{"#a != 0", []int{0}},
		{"0 < #b", []int{1}},
		{"#c in (0..9) > 1", []int{2}},
		{"$a and filesize > 10", []int{0}},
		{"filesize > 10 and ($a or $b)", []int{0, 1}},
		{"$a and all of them", []int{0}},
		{"$a or filesize > 10", nil},
		{"$a or $c", []int{0, 2}},
		{"not $a", nil},
		{"for any of them : (# > 1)", nil},
		{"for any i in (1..#a) : (@a[i] > 0)", nil},
		{"@a[1] > 0", nil},
		{"!a[1] == 3", nil},
		{"$a and console.log(\"x\")", nil},
		{"first", []int{0}},
		{"first and $c", []int{0}},
		{"first or $c", []int{0, 2}},
		{"open or $c", nil},
	} {
		src := `import "console"
rule first { strings: $x = "x" condition: $x }
rule open { condition: filesize > 0 }
rule r { strings: $a = "a" $b = "b" $c = "c" condition: (` + c.cond + ") and (true or any of them) }"
		rules := compileSrc(t, src)
		r := rules.Rules[2]
		var got []int
		for _, g := range r.gate {
			if g == rules.Rules[0].Strings[0] {
				got = append(got, 0) // first's $x stands in place of $a
				continue
			}
			got = append(got, slices.Index(r.Strings, g))
		}
		slices.Sort(got)
		if (got == nil) != (c.want == nil) || !slices.Equal(got, c.want) {
			t.Errorf("%s: gate %v, want %v", c.cond, got, c.want)
		}
	}
}

// TestGatedEvaluationAgrees is a property test: over random conditions
// and random match sets, evaluating with gates gives exactly the results
// of evaluating every rule.
func TestGatedEvaluationAgrees(t *testing.T) {
	rounds := 400
	if testing.Short() {
		rounds = 100
	}
	gated := 0
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 0x67617465))
		var b strings.Builder
		nrules := 1 + rng.IntN(5)
		for i := range nrules {
			fmt.Fprintf(&b, "rule r%d { strings: $a = \"a\" $b = \"b\" $c = \"c\" condition: (%s) and (true or any of them) }\n", i, randomCond(rng, i, 3))
		}
		src := b.String()
		rules := compileSrc(t, src)
		for _, r := range rules.Rules {
			if r.gate != nil {
				gated++
			}
		}
		for d := range 8 {
			in := &ScanData{Data: make([]byte, rng.IntN(20)), Matches: make([][]Match, len(rules.Strings))}
			for g := range in.Matches {
				for k := range rng.IntN(3) * rng.IntN(2) {
					in.Matches[g] = append(in.Matches[g], Match{Off: int64(k * 3), Len: 1})
				}
			}
			got, err := rules.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			noGates = true
			want, err := rules.Evaluate(context.Background(), in)
			noGates = false
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d data %d: gated %v, every rule evaluated %v\n%s\nmatches %v", round, d, got, want, src, in.Matches)
			}
		}
	}
	if gated < rounds {
		t.Fatalf("only %d gated rules in %d rounds: the generator no longer exercises gates", gated, rounds)
	}
}

func randomCond(rng *rand.Rand, rule, depth int) string {
	leaves := []string{"$a", "$b", "$c", "$a at 0", "$b in (0..2)", "#a > 0", "#b == 1", "#c >= 2", "#a != 0",
		"1 < #c", "#b == 0", "any of them", "all of ($a, $c)", "2 of them", "0 of them", "none of ($a, $b)",
		"50% of them", "1 of them in (1..4)", "filesize > 5", "filesize < 8", "true", "false", "@a[1] == 3",
		"for any of them : (# > 1)", "for all of ($a, $b) : (# == 0)"}
	if rule > 0 {
		leaves = append(leaves, fmt.Sprintf("r%d", rng.IntN(rule)))
	}
	if depth == 0 || rng.IntN(3) == 0 {
		return leaves[rng.IntN(len(leaves))]
	}
	switch rng.IntN(4) {
	case 0:
		return "not (" + randomCond(rng, rule, depth-1) + ")"
	case 1:
		return "(" + randomCond(rng, rule, depth-1) + " or " + randomCond(rng, rule, depth-1) + ")"
	}
	return "(" + randomCond(rng, rule, depth-1) + " and " + randomCond(rng, rule, depth-1) + ")"
}
