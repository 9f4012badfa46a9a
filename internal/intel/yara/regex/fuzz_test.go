package regex

import "testing"

func FuzzRegex(f *testing.F) {
	f.Add("a(b|c)*d{2,3}?[^x-z]\\b\\w+$", []byte("abcbdd wq"), false)
	f.Add("4D 5A ?? [2-4] ( 90 | C3 ?? ) 7?", []byte("MZ\x00\x00\x00\x90"), true)
	f.Add("(a*)*b", []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaac"), false)
	f.Fuzz(func(t *testing.T, pattern string, data []byte, hex bool) {
		var n *Node
		var err error
		if hex {
			n, err = ParseHex(pattern)
		} else {
			n, err = Parse(pattern, len(data)%2 == 0, len(data)%3 == 0)
		}
		if err != nil {
			return
		}
		p, err := Compile(n)
		if err != nil {
			return
		}
		var m Matcher
		m.SetBudget(1 << 16)
		for start := 0; start <= len(data) && start < 64; start++ {
			end, ok, err := m.MatchAt(p, data, start, 4096)
			if err != nil {
				return
			}
			if ok && (end < start || end > len(data)) {
				t.Fatalf("match end %d outside [%d, %d]", end, start, len(data))
			}
		}
	})
}
