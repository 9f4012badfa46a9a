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
	// Groups as "strings/k", strings by letter ($a, $b, $c; x is rule
	// first's $x); "" is no gate.
	for _, c := range []struct{ cond, want string }{
		{"$a", "a/1"},
		{"$a at 4", "a/1"},
		{"$b in (0..10)", "b/1"},
		{"($c)", "c/1"},
		{"any of them", "abc/1"},
		{"all of ($a, $b)", "ab/2"},
		{"2 of ($b*, $c)", "bc/2"},
		{"5 of them", "abc/4"},
		{"1 of them in (0..5)", "abc/1"},
		{"50% of them", "abc/2"},
		{"100% of ($a, $b)", "ab/2"},
		{"1% of them", "abc/1"},
		{"0 of them", ""},
		{"none of them", ""},
		{"#a > 0", "a/1"},
		{"#a >= 1", "a/1"},
		{"#a >= 0", ""},
		{"#a == 2", "a/1"},
		{"#a == 0", ""},
		{"#a != 0", "a/1"},
		{"0 < #b", "b/1"},
		{"#c in (0..9) > 1", "c/1"},
		{"$a and filesize > 10", "a/1"},
		{"filesize > 10 and ($a or $b)", "ab/1"},
		{"$a and all of them", "a/1 abc/3"},
		{"$a or filesize > 10", ""},
		{"$a or $c", "ac/1"},
		{"2 of them or all of ($a, $c)", "abc/2"},
		{"($a and $b) or $c", "ac/1"},
		{"not $a", ""},
		{"for any of them : (# > 1)", ""},
		{"for any i in (1..#a) : (@a[i] > 0)", ""},
		{"@a[1] > 0", ""},
		{"!a[1] == 3", ""},
		{"$a and console.log(\"x\")", ""},
		{"first", "x/1"},
		{"first and $c", "x/1 c/1"},
		{"first or $c", "cx/1"},
		{"open or $c", ""},
	} {
		src := `import "console"
rule first { strings: $x = "x" condition: $x }
rule open { condition: filesize > 0 }
rule r { strings: $a = "a" $b = "b" $c = "c" condition: (` + c.cond + ") and (true or any of them) }"
		rules := compileSrc(t, src)
		r := rules.Rules[2]
		var got []string
		for _, gr := range r.groups {
			var names []string
			for _, g := range gr.strs {
				names = append(names, strings.TrimPrefix(rules.Strings[g].Name, "$"))
			}
			slices.Sort(names)
			got = append(got, fmt.Sprintf("%s/%d", strings.Join(names, ""), gr.k))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: gate %q, want %q", c.cond, g, c.want)
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
			if r.groups != nil {
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
		"50% of them", "1 of them in (1..4)", "all of them", "3 of them", "4 of them", "2 of ($a, $b)", "67% of them", "50% of ($a, $b)", "100% of them", "filesize > 5", "filesize < 8", "true", "false", "@a[1] == 3",
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
