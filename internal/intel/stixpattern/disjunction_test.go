package stixpattern

import (
	"strings"
	"testing"
)

func TestDisjunction(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // "path op value" joined by " | "; "-": not a disjunction
	}{
		{"[file:hashes.MD5 = 'ab']", "file:hashes.MD5 = ab"},
		{"[a:b = 'x' OR a:c LIKE '%.y'] OR [d:e ISSUBSET '10.0.0.0/8']", "a:b = x | a:c LIKE %.y | d:e ISSUBSET 10.0.0.0/8"},
		{"[a:b == 'x' /* c */] OR [a:b = 'it\\'s']", "a:b = x | a:b = it's"},
		{"[a:b = 'x'] OR [a:b = 'y'] OR [a:b = 'z']", "a:b = x | a:b = y | a:b = z"},
		{"([a:b = 'x'])", "-"},
		{"[(a:b = 'x')]", "-"},
		{"[a:b = 'x' AND a:c = 'y']", "-"},
		{"[a:b = 'x'] AND [a:b = 'y']", "-"},
		{"[a:b NOT = 'x']", "-"},
		{"[a:b != 'x']", "-"},
		{"[a:b IN ('x', 'y')]", "-"},
		{"[a:b = 1]", "-"},
		{"[a:b MATCHES 'x']", "-"},
		{"[a:b = 'x'] REPEATS 1 TIMES", "-"},
		{"[a:b = 'x'] WITHIN 5 SECONDS", "-"},
		{"[a:b = 'x'] FOLLOWEDBY [a:b = 'y']", "-"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		cmps, ok := p.Disjunction()
		got := "-"
		if ok {
			var s []string
			for _, c := range cmps {
				s = append(s, c.Path.String()+" "+c.Op+" "+c.Value)
			}
			got = strings.Join(s, " | ")
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.pattern, got, tt.want)
		}
	}
}
