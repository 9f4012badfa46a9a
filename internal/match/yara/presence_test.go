package yara

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// TestPresenceAtomsAgainstBruteForce: patterns opening with an unbounded
// part have no start atom and are tried at every offset, or, when they
// hold a presence atom, only in data where it occurs. Over random such
// patterns (and data from the property test's alphabet, where the atoms
// often occur and often nearly do), the matches must equal trying every
// form at every offset.
func TestPresenceAtomsAgainstBruteForce(t *testing.T) {
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 60
	}
	leads := []string{`\w+`, `.*`, `[ab]*`, `(a|b0)+`, `\b\w+`, `[^c]{1,}`, `a.*?`}
	runs := []string{"abc", "ab0c", "a[bc]0A", `\x00ab`, "AB c", `a\sb0`, "b-ab", "ab(c|0)A-", "b0(a|c)?cAb"}
	gated, hitFiles := 0, 0
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 0x70726573))
		var b strings.Builder
		for r := range 1 + rng.IntN(3) {
			fmt.Fprintf(&b, "rule p%d {\n strings:\n", r)
			for s := range 1 + rng.IntN(3) {
				re := leads[rng.IntN(len(leads))] + runs[rng.IntN(len(runs))]
				if rng.IntN(2) == 0 {
					r := randomRegex(rng)
					re += r[1:strings.LastIndexByte(r, '/')]
				}
				fmt.Fprintf(&b, "  $s%d = /%s/ %s\n", s, re, randomMods(rng, 2))
			}
			b.WriteString(" condition: any of them\n}\n")
		}
		src := b.String()
		s := compile(t, src)
		for _, sp := range s.slow {
			if sp.gated {
				gated++
			}
		}
		for d := range 3 {
			data := randomData(rng, 64+rng.IntN(1500))
			if d == 0 {
				// Plant one occurrence of a run so the gated path is taken.
				r := strings.NewReplacer(`\x00`, "\x00", `\s`, " ", "[bc]", "b", "(c|0)", "c", "(a|c)?", "a").Replace(runs[rng.IntN(len(runs))])
				at := rng.IntN(len(data) - len(r))
				copy(data[at:], r)
			}
			res, err := s.ScanBytes(context.Background(), data)
			if err != nil {
				t.Fatalf("round %d data %d: %v\n%s", round, d, err, src)
			}
			for si := range s.rules.Strings {
				want := bruteForce(s, si, data)
				if len(want) > 0 {
					hitFiles++
				}
				if msg := compareMatches(res.Matches[si], want); msg != "" {
					t.Fatalf("round %d data %d: string %s (%s): %s\nrules:\n%s\ndata: %q",
						round, d, s.rules.Strings[si].Name, describeString(s.rules.Strings[si]), msg, src, data)
				}
			}
		}
	}
	if gated < rounds || hitFiles < rounds {
		t.Fatalf("%d gated patterns and %d strings with matches in %d rounds: the test no longer exercises presence atoms", gated, hitFiles, rounds)
	}
}

func TestPresenceAtom(t *testing.T) {
	for _, c := range []struct {
		re   string
		want int // variants; 0: none
	}{
		{`\b\w+(:|\s-+>)\s%s(:%d)?\s\t(\w+)?:\s%s\s\t(\w+)?:\s%s`, 36}, // signature-base's slowest
		{`\w+abc`, 1},
		{`\w+ab`, 0},        // too short to be rare
		{`\w+(abc)?def`, 1}, // the optional part ends a run
		{`.*(foo|bar)`, 0},  // alternatives: no run
		{`\w+(xyz)+q`, 1},   // a group repeated at least once is required
		{`\w+[a-z]{3}quux`, 1},
	} {
		n, err := regex.Parse(c.re, false, false)
		if err != nil {
			t.Fatal(err)
		}
		vs, ok := presenceAtom(n)
		if got := len(vs); ok != (c.want > 0) || got != c.want {
			t.Errorf("%s: %d variants (%q), want %d", c.re, got, vs, c.want)
		}
	}
}
