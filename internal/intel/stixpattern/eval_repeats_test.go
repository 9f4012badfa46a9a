package stixpattern

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// number_observed counts observations: an observed-data with
// number_observed n can satisfy up to n observation expressions joined by
// AND or REPEATS (the reference matcher's reading).
func TestRepeatsAndNumberObserved(t *testing.T) {
	runCases(t, loadFile(t, "crowd.json"), []evalCase{
		{"[person:age < 20] REPEATS 5 TIMES", match}, // alice 2 + bob 3
		{"([person:age < 20] REPEATS 2 TIMES) REPEATS 2 TIMES", match},
		{"[person:name > 'aaron'] REPEATS 5 TIMES WITHIN 1 SECONDS", match}, // bob 3 + carol 2
		{"([person:age < 30] AND [person:name > 'aaron']) WITHIN 2 SECONDS REPEATS 3 TIMES", match},
		{"[person:name = 'alice'] AND [person:name = 'alice']", match},
		{"[person:name = 'alice'] REPEATS 1 TIMES", match},
		{"[person:name = 'alice'] FOLLOWEDBY [person:name = 'alice']", match},
		{"[person:name = 'bob'] REPEATS 3 TIMES AND [person:name = 'carol'] REPEATS 2 TIMES", match},
		{"[person:age < 20] REPEATS 10 TIMES", nomatch},
		{"[person:age < 20] REPEATS 6 TIMES", nomatch},
		{"([person:age < 20] REPEATS 2 TIMES) REPEATS 3 TIMES", nomatch},
		{"[person:name = 'alice'] AND [person:name = 'alice'] AND [person:name = 'alice']", nomatch},
		{"[person:name = 'bob'] REPEATS 4 TIMES", nomatch},
		{"[person:age < 20] REPEATS 9007199254740991 TIMES", nomatch},
		{"([person:age < 20] AND [person:age > 0]) REPEATS 9007199254740991 TIMES", nomatch},
		{"([person:age < 20] FOLLOWEDBY [person:age > 0]) REPEATS 9007199254740991 TIMES", nomatch},
		{"[person:age < 20] REPEATS 2 TIMES REPEATS 2 TIMES", invalid},
		{"[person:age < 20] REPEATS 0 TIMES", invalid},
		{"[person:age < 20] REPEATS +0 TIMES", invalid},
		{"[person:age < 20] REPEATS -2 TIMES", invalid},
		{"[person:age < 20] REPEATS 2.5 TIMES", invalid},
		{"[person:age < 20] REPEATS 9007199254740992 TIMES", invalid},
		{"[person:age < 20] REPEATS 2", invalid},
	})
}

// The spec's own REPEATS examples (9.5, 9.5.2).
func TestRepeatsSpecExamples(t *testing.T) {
	var ps []person
	for i := 0; i < 6; i++ {
		ps = append(ps, person{name: []string{"a", "c", "a", "c", "c", "c"}[i], first: fmt.Sprint(i)})
	}
	obs := people(t, ps...)
	runCases(t, obs, []evalCase{
		// One a followed by 5 c's: only 4 c's exist.
		{"[person:name = 'a'] FOLLOWEDBY [person:name = 'c'] REPEATS 5 TIMES", nomatch},
		{"[person:name = 'a'] FOLLOWEDBY [person:name = 'c'] REPEATS 4 TIMES", match},
		// Pairs of a followed by c: only two a's.
		{"([person:name = 'a'] FOLLOWEDBY [person:name = 'c']) REPEATS 2 TIMES", match},
		{"([person:name = 'a'] FOLLOWEDBY [person:name = 'c']) REPEATS 3 TIMES", nomatch},
		{"([person:name = 'a'] AND [person:name = 'c'] REPEATS 3 TIMES) WITHIN 3 SECONDS", match},
		{"([person:name = 'a'] AND [person:name = 'c'] REPEATS 4 TIMES) WITHIN 3 SECONDS", nomatch},
		{"([person:name = 'a'] AND [person:name = 'c']) REPEATS 2 TIMES WITHIN 3 SECONDS", match},
		{"([person:name = 'a'] AND [person:name = 'c']) REPEATS 2 TIMES WITHIN 2 SECONDS", nomatch},
	})
}

// Twenty observations one second apart (the reference matcher's
// combinatorial explosion cases), evaluated well within limits.
func twenty(t testing.TB) []Observation {
	var ps []person
	for i := 0; i < 20; i++ {
		ps = append(ps, person{name: "alice", first: fmt.Sprint(i)})
	}
	obs := people(t, ps...)
	for i := range obs { // ages 0..19
		obs[i].objects[0].v.obj.set("age", &value{kind: vNumber, num: mustInt(i)})
	}
	return obs
}

func mustInt(i int) number { n, _ := intNumber(fmt.Sprint(i)); return n }

func TestCombinatorial(t *testing.T) {
	obs := twenty(t)
	and := func(n int, e string) string { return strings.TrimSuffix(strings.Repeat(e+" AND ", n), " AND ") }
	runCases(t, obs, []evalCase{
		{"[person:age < 20] REPEATS 10 TIMES", match},
		{"[person:age < 20] REPEATS 10 TIMES WITHIN 10 SECONDS", match},
		{"[person:age < 20] REPEATS 10 TIMES WITHIN 8 SECONDS", nomatch},
		{"[person:age < 20] REPEATS 10 TIMES START t'2000-01-01T00:00:00Z' STOP t'2000-01-01T00:01:00Z'", match},
		{"[person:age < 20] REPEATS 10 TIMES AND [person:age < 20]", match},
		{"[person:age < 20] REPEATS 10 TIMES OR [person:age < 20]", match},
		{"[person:age < 20] REPEATS 10 TIMES FOLLOWEDBY [person:age < 20]", match},
		{"([person:age < 20] REPEATS 5 TIMES) REPEATS 2 TIMES", match},
		{"([person:age < 20] REPEATS 2 TIMES) REPEATS 5 TIMES", match},
		{"([person:age < 20] FOLLOWEDBY [person:age > 5]) REPEATS 10 TIMES", match},
		{"([person:age < 20] FOLLOWEDBY [person:age > 5]) REPEATS 11 TIMES", nomatch},
		// Pairs one second apart whose second age is > 5: (5,6), (7,8) … (17,18).
		{"([person:age < 20] FOLLOWEDBY [person:age > 5]) WITHIN 1 SECONDS REPEATS 7 TIMES", match},
		{"([person:age < 20] FOLLOWEDBY [person:age > 5]) WITHIN 1 SECONDS REPEATS 8 TIMES", nomatch},
		{"([person:age < 20] AND [person:age < 20]) WITHIN 1 SECONDS REPEATS 10 TIMES", match},
		{"([person:age < 20] AND [person:age < 20]) WITHIN 1 SECONDS REPEATS 11 TIMES", nomatch},
		{and(10, "[person:age < 20]"), match},
		{and(20, "[person:age < 20]"), match},
		{and(21, "[person:age < 20]"), nomatch},
		{and(20, "[person:age < 19]"), nomatch},
		{and(20, "([person:age < 10] OR [person:age >= 10])"), match},
		{strings.Repeat("[person:age < 20] OR ", 19) + "[person:age < 20]", match},
		{strings.Repeat("[person:age < 20] FOLLOWEDBY ", 19) + "[person:age < 20]", match},
		{strings.Repeat("[person:age < 20] FOLLOWEDBY ", 20) + "[person:age < 20]", nomatch},
	})
}

// Result names the observations bound to each observation expression.
func TestResultBindings(t *testing.T) {
	obs := loadFile(t, "crowd.json")
	p, err := Parse("[person:name = 'alice'] FOLLOWEDBY ([person:name = 'bob'] REPEATS 3 TIMES AND [person:name = 'carol'])")
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.Match(obs)
	if !ok {
		t.Fatal("no match")
	}
	want := []Binding{
		{Expression: 0, Observations: []Bound{{Index: 0, ID: obs[0].ID, Count: 1}}},
		{Expression: 1, Observations: []Bound{{Index: 1, ID: obs[1].ID, Count: 3}}},
		{Expression: 2, Observations: []Bound{{Index: 2, ID: obs[2].ID, Count: 1}}},
	}
	if !reflect.DeepEqual(r.Bindings, want) {
		t.Errorf("bindings\n got %+v\nwant %+v", r.Bindings, want)
	}
	if got := p.ObservationExpressions(); !reflect.DeepEqual(got, []string{
		"[person:name = 'alice']", "[person:name = 'bob']", "[person:name = 'carol']"}) {
		t.Errorf("ObservationExpressions = %q", got)
	}
}

// The search stops at its limits instead of running away.
func TestLimits(t *testing.T) {
	obs := twenty(t)
	// Eight different (so not interchangeable) pairs where only seven fit.
	var pairs []string
	for i := 0; i < 8; i++ {
		pairs = append(pairs, fmt.Sprintf("(([person:age < %d] FOLLOWEDBY [person:age > 5]) WITHIN 1 SECONDS)", 20+i))
	}
	p, err := Parse(strings.Join(pairs, " AND "))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.EvaluateWithLimits(t.Context(), obs, Limits{MaxPlanNodes: 1000, MaxSteps: 50, MaxFlowWork: 1e9})
	if err != ErrTooComplex {
		t.Errorf("err = %v, want ErrTooComplex", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	_, err = p.EvaluateWithLimits(t.Context(), obs, Limits{MaxPlanNodes: 10, MaxSteps: 1e6, MaxFlowWork: 1e9})
	if err != ErrTooComplex {
		t.Errorf("plan limit: err = %v, want ErrTooComplex", err)
	}
}
