package cascade

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestQueuePopsInOrder: the queue gives back what it was given in
// item.before order, when pushes never go below the last key popped (as in
// the searches), with many equal keys so the instant's heap fills up.
func TestQueuePopsInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for iter := range 300 {
		var q queue
		var pending []item
		last := int64(r.IntN(5)) - 2
		q.last = ord(last)
		var got, want []item
		for step := range 2000 {
			if r.IntN(3) > 0 || q.len() == 0 {
				it := item{key: last + int64(r.IntN(3)*r.IntN(4)), conf: []float32{1, 0.8, 0.5}[r.IntN(3)],
					depth: int32(r.IntN(4)), node: uint32(r.IntN(50)), predNode: uint32(r.IntN(50)),
					pred: int32(r.IntN(5)) - 1, arc: uint32(step)}
				q.push(it)
				pending = append(pending, it)
				continue
			}
			it := q.pop()
			last = it.key
			got = append(got, it)
			// The reference: the least pending item.
			m := 0
			for j := range pending {
				if pending[j].before(&pending[m]) {
					m = j
				}
			}
			want = append(want, pending[m])
			pending = slices.Delete(pending, m, m+1)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("iter %d: popped %d items out of order", iter, len(got))
		}
		if q.len() != len(pending) {
			t.Fatalf("iter %d: queue holds %d, want %d", iter, q.len(), len(pending))
		}
	}
}
