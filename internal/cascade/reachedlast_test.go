package cascade_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// TestReachedLast: the same nodes, times and flags as Reached, each path
// its last hop; unverified kept from the whole path.
func TestReachedLast(t *testing.T) {
	for _, prov := range []string{"provenance.intoto.jsonl", "tampered.intoto.jsonl"} {
		g := load3CX(t, true, prov)
		r, err := cascade.Trace(context.Background(), g, cascade.Options{At: day("2023-04-20"), Skew: 5 * time.Minute,
			Seeds: []cascade.Seed{{Node: "release:x_trader@7.17.90p608", Time: day("2022-02-01")}}})
		if err != nil {
			t.Fatal(err)
		}
		full, last := r.Reached(), r.ReachedLast()
		if len(full) != len(last) {
			t.Fatalf("%d reached, %d with last hops", len(full), len(last))
		}
		unverified := 0
		for i := range full {
			want := full[i]
			want.Path = want.Path[max(0, len(want.Path)-2):]
			if !reflect.DeepEqual(want, last[i]) {
				t.Errorf("%s: %+v, want %+v", want.Node.ID, last[i], want)
			}
			if last[i].Unverified {
				unverified++
			}
		}
		if (prov == "tampered.intoto.jsonl") != (unverified > 0) {
			t.Errorf("%s: %d unverified", prov, unverified)
		}
	}
}
