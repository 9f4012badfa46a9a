package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

func TestSummaryCache(t *testing.T) {
	var writes uint64
	fills := 0
	fail := false
	fill := func() ([]fleet.Incident, error) {
		if fail {
			return nil, errors.New("database gone")
		}
		fills++
		return []fleet.Incident{{ID: "inc", Findings: fills}}, nil
	}
	c := &summaryCache{maxAge: 50 * time.Millisecond}
	get := func() int {
		t.Helper()
		v, err := c.get(func() uint64 { return writes }, fill)
		if err != nil || len(v) != 1 {
			t.Fatalf("get: %v %v", v, err)
		}
		v[0].ID = "changed by the caller" // callers get their own copy
		return v[0].Findings
	}
	steps := []struct {
		name  string
		setup func()
		want  int
	}{
		{"first read computes", func() {}, 1},
		{"no write since: cached", func() {}, 1},
		{"a write commits: computed again", func() { writes++ }, 2},
		{"older than maxAge: computed again", func() { time.Sleep(60 * time.Millisecond) }, 3},
		{"still cached", func() {}, 3},
	}
	for _, s := range steps {
		s.setup()
		if got := get(); got != s.want {
			t.Fatalf("%s: summary from fill %d, want %d", s.name, got, s.want)
		}
	}
	if v, _ := c.get(func() uint64 { return writes }, fill); v[0].ID != "inc" {
		t.Fatalf("a caller's change reached the cache: %+v", v)
	}
	writes++
	fail = true
	if _, err := c.get(func() uint64 { return writes }, fill); err == nil {
		t.Fatal("a failed fill returned the stale summary without an error")
	}
	fail = false
	if got := get(); got != 4 {
		t.Fatalf("after a failed fill: summary from fill %d, want 4", got)
	}
}
