package stixpattern

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, s := range specPatterns {
		f.Add(s)
	}
	for _, s := range []string{
		"[a:b = 1", "[a:b = 'x\\q']", "((([a:b = 1]", "[a:b[*][0].'c' NOT IN (1, 2.5, -3)]",
		"[a:b = 1] REPEATS 0 TIMES", "/* [a:b = 1] */", "[a:b = t'2020-02-29T00:00:60.5Z']",
		"[a:b MATCHES '$\\\\Z(?i)x']", "[a:b = b'AQID\nBA==']", "[a:b = 1 AND c:d = 2]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) || se.Line < 1 || se.Col < 1 {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		canon := p.String()
		p2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form of %q does not parse: %q: %v", s, canon, err)
		}
		if p2.String() != canon {
			t.Fatalf("canonical form unstable: %q -> %q", canon, p2.String())
		}
		p.IndexKeys()
		p.ObjectTypes()
	})
}

func FuzzMatch(f *testing.F) {
	docs := map[string][]byte{}
	for _, name := range []string{"values.json", "people.json", "crowd.json", "refs.json", "network.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		docs[name] = data
	}
	seeds := map[string][]string{
		"values.json":  {"[x-test:int = 5]", "[x-test:list[*] LIKE '_']", "[x-test:bin_hex MATCHES '\\\\x03']", "[x-test:bad_ts = t'2000-01-01T00:00:00Z']"},
		"people.json":  {"([person:name = 'alice'] FOLLOWEDBY [person:age > 5]) WITHIN 5 SECONDS", "[person:age < 100] REPEATS 3 TIMES"},
		"crowd.json":   {"([person:age < 30] AND [person:name > 'aaron']) WITHIN 2 SECONDS REPEATS 3 TIMES"},
		"refs.json":    {"[person:knows_refs[*].knows_refs[*].name = 'alice']", "[robot:knows_ref.name = 'x']"},
		"network.json": {"[network-traffic:src_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]"},
	}
	for name, patterns := range seeds {
		for _, p := range patterns {
			f.Add(p, docs[name])
		}
	}
	f.Fuzz(func(t *testing.T, pattern string, doc []byte) {
		p, err := Parse(pattern)
		if err != nil {
			return
		}
		obs, _, err := LoadObservations(doc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		lim := Limits{MaxPlanNodes: 2000, MaxSteps: 2000, MaxFlowWork: 5_000_000}
		r, err := p.EvaluateWithLimits(ctx, obs, lim)
		if err != nil || !r.Matched {
			return
		}
		checkBindings(t, p, obs, r)
	})
}

// checkBindings verifies a match: bound observations exist, no observation
// gives more instances than its number_observed, and each bound observation
// matches its bracketed expression on its own.
func checkBindings(t *testing.T, p *Pattern, obs []Observation, r Result) {
	used := map[int]int64{}
	exprs := p.ObservationExpressions()
	for _, b := range r.Bindings {
		if b.Expression < 0 || b.Expression >= len(exprs) || len(b.Observations) == 0 {
			t.Fatalf("bad binding %+v", b)
		}
		leaf, err := Parse(exprs[b.Expression])
		if err != nil {
			t.Fatalf("expression %q: %v", exprs[b.Expression], err)
		}
		for _, o := range b.Observations {
			if o.Index < 0 || o.Index >= len(obs) || o.Count < 1 {
				t.Fatalf("bad bound %+v", o)
			}
			used[o.Index] += o.Count
			if _, ok := leaf.Match(obs[o.Index : o.Index+1]); !ok {
				t.Fatalf("%q bound to observation %d it does not match", exprs[b.Expression], o.Index)
			}
		}
	}
	for i, n := range used {
		if n > obs[i].NumberObserved {
			t.Fatalf("observation %d used %d times, number_observed %d", i, n, obs[i].NumberObserved)
		}
	}
}

// Every successful match in the evaluation tests passes checkBindings.
func TestBindingsConsistent(t *testing.T) {
	for _, c := range []struct{ file, pattern string }{
		{"crowd.json", "([person:age < 30] AND [person:name > 'aaron']) WITHIN 2 SECONDS REPEATS 3 TIMES"},
		{"crowd.json", "[person:age < 20] REPEATS 5 TIMES"},
		{"people.json", "[person:name='alice'] FOLLOWEDBY ([person:name='carol'] AND [person:name='bob'])"},
		{"people.json", "([person:name = 'alice'] OR [person:name = 'darlene']) AND [person:age > 5]"},
		{"network.json", "[file:size > 5] AND [ipv4-addr:value = '203.0.113.10']"},
	} {
		obs := loadFile(t, c.file)
		p := mustParse(t, c.pattern)
		r, ok := p.Match(obs)
		if !ok {
			t.Errorf("%s: no match", c.pattern)
			continue
		}
		checkBindings(t, p, obs, r)
	}
}
