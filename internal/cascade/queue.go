package cascade

import "math/bits"

// queue is a radix heap: the searches pop keys in non-decreasing order and
// never push a key below the last one popped, so an item only needs the
// bucket of the highest bit where its key differs from that last key.
// Pushes are appends; a pop empties the lowest bucket into lower ones.
// Items whose key equals the last key wait in a 4-ary heap ordered by
// item.before, which keeps the tie-breaks exact.
type queue struct {
	last    uint64
	n       int
	zero    []item
	buckets [65][]item
}

// ord maps keys to unsigned order (backwards keys are negative).
func ord(k int64) uint64 { return uint64(k) ^ 1<<63 }

func (q *queue) len() int { return q.n }

func (q *queue) push(it item) {
	q.n++
	k := ord(it.key)
	if k == q.last {
		q.pushZero(it)
		return
	}
	b := bits.Len64(k ^ q.last)
	q.buckets[b] = append(q.buckets[b], it)
}

func (q *queue) pop() item {
	if len(q.zero) == 0 {
		q.refill()
	}
	q.n--
	h := q.zero
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	// A 4-ary heap: half the levels of a binary one, and a node's children
	// share two cache lines, which matters when one instant queues 300,000
	// labels.
	for i := 0; ; {
		c, m := 4*i+1, i
		for j := c; j < c+4 && j < len(h); j++ {
			if h[j].before(&h[m]) {
				m = j
			}
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	q.zero = h
	return top
}

func (q *queue) pushZero(it item) {
	q.zero = append(q.zero, it)
	h := q.zero
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 4
		if !h[i].before(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// refill moves the lowest non-empty bucket's smallest key into zero and
// spreads the rest over lower buckets. Callers check len first.
func (q *queue) refill() {
	i := 1
	for len(q.buckets[i]) == 0 {
		i++
	}
	b := q.buckets[i]
	m := ord(b[0].key)
	for j := 1; j < len(b); j++ {
		m = min(m, ord(b[j].key))
	}
	q.last = m
	for _, it := range b {
		if k := ord(it.key); k == m {
			q.pushZero(it)
		} else {
			j := bits.Len64(k ^ m)
			q.buckets[j] = append(q.buckets[j], it)
		}
	}
	q.buckets[i] = b[:0]
}
