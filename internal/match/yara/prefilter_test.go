package yara

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
)

// TestPrefilterAgainstBruteForce is a property test of everything that
// decides where a string is tried: atom choice, the Aho–Corasick
// automaton, the prefix filter, forms shared between strings and the
// slow path. Over random rule sets and data drawn from a small alphabet
// (so matches, near misses and overlaps are common), the scanner's
// matches of every string must equal those found by trying every form
// of the string at every offset of the data.
func TestPrefilterAgainstBruteForce(t *testing.T) {
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 60
	}
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 0x7961726173706565))
		src := randomRuleSet(rng)
		s := compile(t, src)
		for d := range 3 {
			data := randomData(rng, 64+rng.IntN(1500))
			res, err := s.ScanBytes(context.Background(), data)
			if err != nil {
				t.Fatalf("round %d data %d: %v\n%s", round, d, err, src)
			}
			for si := range s.rules.Strings {
				want := bruteForce(s, si, data)
				if msg := compareMatches(res.Matches[si], want); msg != "" {
					t.Fatalf("round %d data %d: string %s (%s): %s\nrules:\n%s\ndata: %q",
						round, d, s.rules.Strings[si].Name, describeString(s.rules.Strings[si]), msg, src, data)
				}
			}
		}
	}
}

// bruteForce returns, for every offset where some form of string si
// matches, the lengths its forms match with there.
func bruteForce(s *Scanner, si int, data []byte) map[int64][]int {
	str := s.rules.Strings[si]
	st := &scanState{s: s, data: data}
	out := map[int64][]int{}
	for i := 0; i <= len(data); i++ {
		for li := range str.Literals {
			l := &str.Literals[li]
			if i+len(l.Bytes) <= len(data) && equalAt(data[i:], l) &&
				(!str.Fullword || fullword(data, i, i+len(l.Bytes), l.Wide)) {
				out[int64(i)] = append(out[int64(i)], len(l.Bytes))
			}
		}
		for pi := range str.Patterns {
			if n, ok := st.tryPattern(si, &str.Patterns[pi], i); ok {
				out[int64(i)] = append(out[int64(i)], n)
			}
			if st.err != nil {
				panic(st.err)
			}
		}
	}
	return out
}

// compareMatches checks got (sorted, one per offset) against want: the
// same offsets, each with a length one of the forms matches with (when
// two forms match at one offset either may be reported).
func compareMatches(got []yr.Match, want map[int64][]int) string {
	seen := map[int64]bool{}
	for i, m := range got {
		if i > 0 && got[i-1].Off >= m.Off {
			return fmt.Sprintf("matches out of order or repeated at %d", m.Off)
		}
		lens, ok := want[m.Off]
		if !ok {
			return fmt.Sprintf("spurious match at %d (len %d)", m.Off, m.Len)
		}
		found := false
		for _, n := range lens {
			found = found || n == m.Len
		}
		if !found {
			return fmt.Sprintf("match at %d has length %d, want one of %v", m.Off, m.Len, lens)
		}
		seen[m.Off] = true
	}
	if len(seen) != len(want) {
		var missed []int64
		for off := range want {
			if !seen[off] {
				missed = append(missed, off)
			}
		}
		slices.Sort(missed)
		return fmt.Sprintf("missed %d matches, e.g. at %v (found %d of %d)", len(missed), missed[:min(5, len(missed))], len(seen), len(want))
	}
	return ""
}

func describeString(s *yr.String) string {
	return fmt.Sprintf("%d literals, %d patterns, fullword=%t", len(s.Literals), len(s.Patterns), s.Fullword)
}

// dataAlphabet favours the letters the rules are built from, with the
// bytes that matter to wide forms, fullword and atom quality.
const dataAlphabet = "aabbcAABBC0 \x00\x00\n-"

func randomData(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = dataAlphabet[rng.IntN(len(dataAlphabet))]
	}
	return b
}

// randomRuleSet writes rules with random text strings, hex strings and
// regular expressions; some bodies repeat (in other rules and with other
// names, with the same or other modifiers) so forms are shared, or
// nearly.
func randomRuleSet(rng *rand.Rand) string {
	type def struct {
		kind       int
		body, mods string
	}
	var defs []def
	var b strings.Builder
	nrules := 1 + rng.IntN(6)
	for r := range nrules {
		fmt.Fprintf(&b, "rule r%d {\n strings:\n", r)
		for s := range 1 + rng.IntN(4) {
			var d def
			if len(defs) > 0 && rng.IntN(4) == 0 {
				d = defs[rng.IntN(len(defs))]
				if rng.IntN(2) == 0 {
					d.mods = randomMods(rng, d.kind)
				}
			} else {
				d.kind = rng.IntN(3)
				switch d.kind {
				case 0:
					d.body = randomText(rng)
				case 1:
					d.body = randomHex(rng)
				default:
					d.body = randomRegex(rng)
				}
				d.mods = randomMods(rng, d.kind)
				defs = append(defs, d)
			}
			fmt.Fprintf(&b, "  $s%d = %s %s\n", s, d.body, d.mods)
		}
		b.WriteString(" condition: any of them\n}\n")
	}
	return b.String()
}

const textAlphabet = "aabbcAB0- "

func randomText(rng *rand.Rand) string {
	n := 1 + rng.IntN(6)
	var t strings.Builder
	for range n {
		c := textAlphabet[rng.IntN(len(textAlphabet))]
		if rng.IntN(12) == 0 {
			t.WriteString(`\x00`)
			continue
		}
		t.WriteByte(c)
	}
	return `"` + t.String() + `"`
}

// randomMods picks modifiers for a text string (kind 0), hex string (1,
// which takes none that change matching) or regular expression (2).
func randomMods(rng *rand.Rand, kind int) string {
	if kind == 1 {
		return ""
	}
	var mods []string
	xor := kind == 0 && rng.IntN(6) == 0
	if rng.IntN(3) == 0 && !xor {
		mods = append(mods, "nocase")
	}
	if rng.IntN(3) == 0 {
		mods = append(mods, "wide")
		if rng.IntN(2) == 0 {
			mods = append(mods, "ascii")
		}
	}
	if rng.IntN(3) == 0 {
		mods = append(mods, "fullword")
	}
	if xor {
		mods = append(mods, "xor(0-2)")
	}
	return strings.Join(mods, " ")
}

var hexBytes = []string{"61", "62", "63", "41", "42", "00", "20", "30", "0A"}

func randomHexToken(rng *rand.Rand) string {
	switch rng.IntN(10) {
	case 0:
		return "??"
	case 1:
		return "6?"
	case 2:
		return "?1"
	case 3:
		return "~61"
	default:
		return hexBytes[rng.IntN(len(hexBytes))]
	}
}

func randomHexSeq(rng *rand.Rand, n int, jumps bool) string {
	var toks []string
	for i := range n {
		if jumps && i > 0 && i < n-1 && rng.IntN(5) == 0 {
			lo := rng.IntN(3)
			switch rng.IntN(3) {
			case 0:
				toks = append(toks, fmt.Sprintf("[%d]", lo+1))
			case 1:
				toks = append(toks, fmt.Sprintf("[%d-%d]", lo, lo+rng.IntN(4)))
			default:
				toks = append(toks, fmt.Sprintf("[%d-]", lo))
			}
			continue
		}
		if i > 0 && i < n-1 && rng.IntN(6) == 0 {
			toks = append(toks, "( "+randomHexSeq(rng, 1+rng.IntN(2), false)+" | "+randomHexSeq(rng, 1+rng.IntN(3), false)+" )")
			continue
		}
		toks = append(toks, randomHexToken(rng))
	}
	return strings.Join(toks, " ")
}

func randomHex(rng *rand.Rand) string {
	// Hex strings may not start or end with a jump; randomHexSeq never
	// puts one first or last.
	return "{ " + randomHexSeq(rng, 2+rng.IntN(7), true) + " }"
}

var rePieces = []string{"a", "b", "c", "A", "B", "0", " ", "-", ".", "[ab]", "[^a]", "[a-cA]", `\x00`, `\d`, `\w`, `\s`, "(a|bb)", "(B|c0|)", "(ab0c|b-Ac)", "(aB0|c-b|0ab)", "(ab0){2}", "(c-a|ab0)+"}
var reQuant = []string{"", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,2}", "+?", "*?"}

func randomRegex(rng *rand.Rand) string {
	var t strings.Builder
	if rng.IntN(10) == 0 {
		t.WriteString(`\b`)
	}
	for range 1 + rng.IntN(6) {
		t.WriteString(rePieces[rng.IntN(len(rePieces))])
		t.WriteString(reQuant[rng.IntN(len(reQuant))])
	}
	if rng.IntN(10) == 0 {
		t.WriteString(`\b`)
	}
	flags := ""
	if rng.IntN(4) == 0 {
		flags += "i"
	}
	if rng.IntN(4) == 0 {
		flags += "s"
	}
	return "/" + t.String() + "/" + flags
}

// TestEarlierFormWinsAtOneOffset: where a string's ascii and wide forms
// both match at one offset with different lengths, the ascii form's
// match is reported, as yara does (it tries forms in order), whichever
// the atoms find first; also for a second string sharing the forms.
func TestEarlierFormWinsAtOneOffset(t *testing.T) {
	s := compile(t, `rule a { strings: $a = /[^a-z ]{3}/ wide ascii condition: $a }
rule b { strings: $b = /[^a-z ]{3}/ wide ascii condition: $b }`)
	data := []byte("ab Z\x00\x00\x00\x00\x00 cd")
	res, err := s.ScanBytes(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	for si, ms := range res.Matches {
		if len(ms) == 0 || ms[0].Off != 3 || ms[0].Len != 3 {
			t.Errorf("string %d: matches %+v, want the ascii form's 3 bytes at offset 3 first", si, ms)
		}
	}
}

// TestPrefilterAgainstBruteForce32 runs the property test with 32-bit
// automaton rows, which only rule sets of more than 65,536 states get.
func TestPrefilterAgainstBruteForce32(t *testing.T) {
	defer func(n int) { max16States = n }(max16States)
	max16States = 0
	TestPrefilterAgainstBruteForce(t)
}
