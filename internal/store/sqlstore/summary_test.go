package sqlstore

import (
	"errors"
	"strconv"
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

func TestTotalsCache(t *testing.T) {
	var writes uint64
	counts := map[string]int{}
	fail := false
	c := &totalsCache{maxAge: 50 * time.Millisecond}
	get := func(key string) (int, error) {
		return c.get(key, func() uint64 { return writes }, func() (int, error) {
			if fail {
				return 0, errors.New("database gone")
			}
			counts[key]++
			return 100*len(key) + counts[key], nil
		})
	}
	steps := []struct {
		name  string
		setup func()
		key   string
		want  int
	}{
		{"first read counts", func() {}, "a", 101},
		{"no write since: cached", func() {}, "a", 101},
		{"another filter has its own total", func() {}, "bb", 201},
		{"a write commits: counted again", func() { writes++ }, "a", 102},
		{"the other filter too", func() {}, "bb", 202},
		{"older than maxAge: counted again", func() { time.Sleep(60 * time.Millisecond) }, "a", 103},
		{"still cached", func() {}, "a", 103},
	}
	for _, s := range steps {
		s.setup()
		got, err := get(s.key)
		if err != nil || got != s.want {
			t.Fatalf("%s: total %d (%v), want %d", s.name, got, err, s.want)
		}
	}
	writes++
	fail = true
	if _, err := get("a"); err == nil {
		t.Fatal("a failed count returned the stale total without an error")
	}
	fail = false
	if got, _ := get("a"); got != 104 {
		t.Fatalf("after a failed count: total %d, want 104", got)
	}
	for i := range totalsCacheSize + 1 {
		get(strconv.Itoa(i))
	}
	if len(c.m) > totalsCacheSize {
		t.Fatalf("%d totals kept, at most %d", len(c.m), totalsCacheSize)
	}
}
