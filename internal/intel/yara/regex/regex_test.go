package regex

import "testing"

func TestMatchAt(t *testing.T) {
	tests := []struct {
		pattern string
		hex     bool
		data    string
		start   int
		want    int // end, or -1 for no match
	}{
		{"ab|abcd", false, "abcd", 0, 2},      // leftmost-first, as Perl and yara
		{"a+", false, "aaa", 0, 3},            // greedy
		{"a+?", false, "aaa", 0, 1},           // lazy
		{"x.*y", false, "xAyBy", 0, 5},        // greedy dot
		{"a.c", false, "a\nc", 0, -1},         // dot excludes newline
		{"\\bab", false, "cab", 1, -1},        // no boundary inside a word
		{"\\bab", false, " ab", 1, 3},         // boundary after a space
		{"[^a-c]{2}", false, "xyz", 0, 2},     // negated class, counted
		{"^MZ", false, "xMZ", 1, -1},          // ^ is the start of the data only
		{"bar$", false, "foobar", 3, 6},       // $ is its end
		{"\\x4d\\x5a", false, "MZ", 0, 2},     // hex escapes
		{"41 [0-3] 42", true, "AxBBxB", 0, 3}, // jumps are lazy
		{"41 ?? 43", true, "ABC", 0, 3},
		{"4? 4?", true, "AO", 0, 2},
		{"41 ( 42 | 43 44 ) 45", true, "ACDE", 0, 4},
		{"41 [2] 44", true, "ABCD", 0, 4},
		{"41 [2-] 44", true, "ABD ABCD", 0, 8},
	}
	for _, tt := range tests {
		var n *Node
		var err error
		if tt.hex {
			n, err = ParseHex(tt.pattern)
		} else {
			n, err = Parse(tt.pattern, false, false)
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		p, err := Compile(n)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		var m Matcher
		end, ok, err := m.MatchAt(p, []byte(tt.data), tt.start, -1)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			end = -1
		}
		if end != tt.want {
			t.Errorf("%q on %q at %d: end %d, want %d", tt.pattern, tt.data, tt.start, end, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, p := range []string{"(abc", "abc)", "*a", "a{3,2}", "[abc", "a\\", "[z-a]", "a{99999}"} {
		if _, err := Parse(p, false, false); err == nil {
			t.Errorf("%q: parsed, want an error", p)
		}
	}
	for _, h := range []string{"4", "[1] 41", "41 [1]", "41 ( 42 | [-] )", "GG", "~??", "41 [5-2] 42", "( 41 )"} {
		if _, err := ParseHex(h); err == nil {
			t.Errorf("hex %q: parsed, want an error", h)
		}
	}
}

// TestBudget checks that a pathological pattern ends with ErrBudget
// instead of running for ever.
func TestBudget(t *testing.T) {
	n, err := ParseHex("41 [0-100000] 42 [0-100000] 43 [0-100000] 44")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 300000)
	for i := range data {
		data[i] = "AB"[i%2]
	}
	var m Matcher
	m.SetBudget(1 << 20)
	if _, _, err := m.MatchAt(p, data, 0, -1); err != ErrBudget {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
}
