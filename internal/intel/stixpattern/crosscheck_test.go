package stixpattern

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// naive evaluates the observation-expression tree the way the reference
// matcher does: it enumerates every binding (tuple of observation
// instances) bottom up. Exponential, so only for tiny inputs; the search in
// search.go must agree with it.
type naive struct {
	obs   []Observation
	cands [][]int32
}

type inst struct{ obs, k int }

func (nv *naive) bindings(n *obsNode) [][]inst {
	switch n.kind {
	case obsSimple:
		var out [][]inst
		for _, i := range nv.cands[n.leaf] {
			for k := 0; k < int(nv.obs[i].NumberObserved); k++ {
				out = append(out, []inst{{int(i), k}})
			}
		}
		return out
	case obsAnd, obsFollowedBy:
		acc := nv.bindings(n.kids[0])
		for _, kid := range n.kids[1:] {
			acc = nv.join(acc, nv.bindings(kid), n.kind == obsFollowedBy)
		}
		return acc
	case obsOr:
		var out [][]inst
		for _, kid := range n.kids {
			out = append(out, nv.bindings(kid)...)
		}
		return out
	case obsWithin:
		var out [][]inst
		for _, b := range nv.bindings(n.kids[0]) {
			first, last := nv.span(b)
			if hi, ok := addDuration(last, n.within); !ok || !first.After(hi) {
				out = append(out, b)
			}
		}
		return out
	case obsStartStop:
		var out [][]inst
		for _, b := range nv.bindings(n.kids[0]) {
			ok := n.start.Before(n.stop)
			for _, x := range b {
				o := nv.obs[x.obs]
				ok = ok && o.FirstObserved.Before(n.stop) && !o.LastObserved.Before(n.start)
			}
			if ok {
				out = append(out, b)
			}
		}
		return out
	}
	return nv.combos(nv.bindings(n.kids[0]), int(n.count), 0, nil) // REPEATS
}

// span returns the latest first_observed and the earliest last_observed of
// a binding's observations.
func (nv *naive) span(b []inst) (first, last time.Time) {
	for i, x := range b {
		o := nv.obs[x.obs]
		if i == 0 || o.FirstObserved.After(first) {
			first = o.FirstObserved
		}
		if i == 0 || o.LastObserved.Before(last) {
			last = o.LastObserved
		}
	}
	return first, last
}

func (nv *naive) join(ls, rs [][]inst, followedBy bool) [][]inst {
	var out [][]inst
	for _, l := range ls {
		for _, r := range rs {
			if !disjoint(l, r) {
				continue
			}
			if followedBy {
				lf, _ := nv.span(l)
				_, rl := nv.span(r)
				if lf.After(rl) {
					continue
				}
			}
			out = append(out, append(append([]inst{}, l...), r...))
		}
	}
	return out
}

func (nv *naive) combos(bs [][]inst, n, from int, acc []inst) [][]inst {
	if n == 0 {
		return [][]inst{append([]inst{}, acc...)}
	}
	var out [][]inst
	for i := from; i < len(bs); i++ {
		if disjoint(acc, bs[i]) {
			out = append(out, nv.combos(bs, n-1, i+1, append(acc, bs[i]...))...)
		}
	}
	return out
}

func disjoint(a, b []inst) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return false
			}
		}
	}
	return true
}

// randomPattern builds a small random pattern over person:age.
func randomPattern(r *rand.Rand, depth int) string {
	if depth == 0 || r.IntN(3) == 0 {
		op := []string{"<", ">", "=", "<=", ">=", "!="}[r.IntN(6)]
		s := fmt.Sprintf("[person:age %s %d]", op, r.IntN(5))
		return maybeQualify(r, s)
	}
	op := []string{" AND ", " OR ", " FOLLOWEDBY "}[r.IntN(3)]
	left := randomPattern(r, depth-1)
	right := left // identical operands exercise the symmetry breaking
	if r.IntN(4) > 0 {
		right = randomPattern(r, depth-1)
	}
	s := "(" + left + op + right + ")"
	return maybeQualify(r, s)
}

func maybeQualify(r *rand.Rand, s string) string {
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("(%s) WITHIN %d SECONDS", s, 1+r.IntN(4))
	case 1:
		return fmt.Sprintf("(%s) REPEATS %d TIMES", s, 1+r.IntN(3))
	case 2:
		a := r.IntN(8)
		return fmt.Sprintf("(%s) START t'%s' STOP t'%s'", s, ts(fmt.Sprint(a)), ts(fmt.Sprint(a+r.IntN(6))))
	}
	return s
}

func randomPeople(t testing.TB, r *rand.Rand) []Observation {
	var ps []person
	for i := 0; i < 2+r.IntN(4); i++ {
		f := r.IntN(8)
		ps = append(ps, person{name: "p", first: fmt.Sprint(f), last: fmt.Sprint(f + r.IntN(3)), n: 1 + r.IntN(2)})
	}
	return people(t, ps...)
}

func TestSearchAgreesWithEnumeration(t *testing.T) {
	seed, n, depth := uint64(1), 3000, 2
	if s := os.Getenv("STIXPATTERN_CROSSCHECK"); s != "" { // e.g. "7 100000 3"
		fmt.Sscan(s, &seed, &n, &depth)
	}
	r := rand.New(rand.NewPCG(seed, 2))
	checked := 0
	for i := 0; i < n; i++ {
		pattern := randomPattern(r, depth)
		p, err := Parse(pattern)
		if err != nil {
			continue
		}
		obs := randomPeople(t, r)
		// People's ages are 0, 10, 20, …: rescale the constants' range.
		for j := range obs {
			obs[j].objects[0].v.obj.set("age", &value{kind: vNumber, num: mustInt(j)})
		}
		cands, err := p.candidates(context.Background(), obs)
		if err != nil {
			t.Fatal(err)
		}
		want := len((&naive{obs: obs, cands: cands}).bindings(p.root)) > 0
		res, err := p.Evaluate(context.Background(), obs)
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		if res.Matched != want {
			t.Fatalf("%s\nsearch says %v, enumeration %v\nobservations: %s", pattern, res.Matched, want, describe(obs))
		}
		checked++
	}
	if checked < n/2 {
		t.Errorf("only %d patterns checked", checked)
	}
}

func describe(obs []Observation) string {
	s := ""
	for i, o := range obs {
		s += fmt.Sprintf("\n  #%d age %d [%s, %s] x%d", i, i, o.FirstObserved.Format("15:04:05"), o.LastObserved.Format("15:04:05"), o.NumberObserved)
	}
	return s
}
