package stixpattern

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Expected outcomes of a pattern against observations.
const (
	match   = "match"
	nomatch = "nomatch"
	badData = "data-error" // evaluation fails on an observation value
	invalid = "invalid"    // Parse rejects the pattern
)

type evalCase struct {
	pattern string
	want    string
}

func loadFile(t testing.TB, name string) []Observation {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return loadString(t, string(data))
}

func loadString(t testing.TB, js string) []Observation {
	t.Helper()
	obs, _, err := LoadObservations([]byte(js))
	if err != nil {
		t.Fatalf("LoadObservations: %v", err)
	}
	return obs
}

// outcome runs pattern against obs and classifies the result.
func outcome(pattern string, obs []Observation) (string, Result, error) {
	p, err := Parse(pattern)
	if err != nil {
		return invalid, Result{}, err
	}
	r, err := p.Evaluate(context.Background(), obs)
	var de *DataError
	switch {
	case errors.As(err, &de):
		return badData, r, err
	case err != nil:
		return "error", r, err
	case r.Matched:
		return match, r, nil
	}
	return nomatch, r, nil
}

func runCases(t *testing.T, obs []Observation, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		got, _, err := outcome(c.pattern, obs)
		if got != c.want {
			t.Errorf("%s\n\tgot %s (%v), want %s", c.pattern, got, err, c.want)
		}
	}
}
