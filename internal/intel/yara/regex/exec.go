package regex

import "errors"

// ErrBudget is returned when a match attempt exceeds its work budget.
var ErrBudget = errors.New("pattern matching exceeded its work budget")

// maxMemoBits bounds the visited-state bitmap of one matcher.
const maxMemoBits = 1 << 25

// Matcher runs programs; it holds scratch space and is not safe for
// concurrent use. The zero value is ready.
type Matcher struct {
	stack   []job
	memo    []uint64
	touched []int
	// Budget is the work (steps) left; each attempt decrements it and
	// fails with ErrBudget at zero. Zero means no limit.
	Budget  int64
	limited bool
	// Done, when set, aborts an attempt once closed (checked every
	// 64Ki steps) with ErrCanceled.
	Done  <-chan struct{}
	steps uint32
}

// ErrCanceled is returned when Done closes during an attempt.
var ErrCanceled = errors.New("pattern matching canceled")

type job struct{ pc, pos int }

func isWord(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func atWordBoundary(data []byte, pos int, wide bool) bool {
	if wide {
		before := pos > 1 && data[pos-1] == 0 && isWord(data[pos-2])
		after := pos+1 < len(data) && data[pos+1] == 0 && isWord(data[pos])
		return before != after
	}
	before := pos > 0 && isWord(data[pos-1])
	after := pos < len(data) && isWord(data[pos])
	return before != after
}

// SetBudget sets the work budget for the following attempts.
func (m *Matcher) SetBudget(steps int64) {
	m.Budget = steps
	m.limited = steps > 0
}

// MatchAt matches p anchored at data[start], never reading past
// start+limit, and returns the end of the first match in priority order.
func (m *Matcher) MatchAt(p *Prog, data []byte, start, limit int) (int, bool, error) {
	return m.MatchAtFunc(p, data, start, limit, nil)
}

// MatchAtFunc is MatchAt where a match ending at end counts only if
// accept(end) holds (nil accepts all); otherwise the search goes on
// with lower-priority alternatives, as yara checks fullword.
func (m *Matcher) MatchAtFunc(p *Prog, data []byte, start, limit int, accept func(end int) bool) (int, bool, error) {
	end := len(data)
	if limit >= 0 && start+limit < end {
		end = start + limit
	}
	width := end - start + 1
	useMemo := len(p.insts)*width <= maxMemoBits
	if useMemo {
		need := (len(p.insts)*width + 63) / 64
		if len(m.memo) < need {
			m.memo = make([]uint64, need)
		}
		defer m.clearMemo()
	}
	m.stack = append(m.stack[:0], job{0, start})
	for len(m.stack) > 0 {
		j := m.stack[len(m.stack)-1]
		m.stack = m.stack[:len(m.stack)-1]
		for {
			if m.limited {
				if m.Budget--; m.Budget <= 0 {
					return 0, false, ErrBudget
				}
			}
			if m.steps++; m.steps&0xffff == 0 && m.Done != nil {
				select {
				case <-m.Done:
					return 0, false, ErrCanceled
				default:
				}
			}
			if useMemo {
				bit := j.pc*width + j.pos - start
				w, b := bit>>6, uint64(1)<<(bit&63)
				if m.memo[w]&b != 0 {
					break
				}
				if m.memo[w] == 0 {
					m.touched = append(m.touched, w)
				}
				m.memo[w] |= b
			}
			in := &p.insts[j.pc]
			ok := true
			switch in.op {
			case iClass:
				ok = j.pos < end && p.sets[in.set].Has(data[j.pos])
				j.pc++
				j.pos++
			case iSplit:
				m.stack = append(m.stack, job{int(in.y), j.pos})
				j.pc = int(in.x)
			case iJmp:
				j.pc = int(in.x)
			case iMatch:
				if accept == nil || accept(j.pos) {
					return j.pos, true, nil
				}
				ok = false
			case iBegin:
				ok = j.pos == 0
				j.pc++
			case iEnd:
				ok = j.pos == len(data)
				j.pc++
			case iWordB:
				ok = atWordBoundary(data, j.pos, in.greedy)
				j.pc++
			case iNotWordB:
				ok = !atWordBoundary(data, j.pos, in.greedy)
				j.pc++
			case iSkip:
				ok = m.skip(in, &p.sets[in.set], data, j, end)
			}
			if !ok {
				break
			}
			if in.op == iSkip {
				break // skip pushed its continuations
			}
		}
	}
	return 0, false, nil
}

// skip pushes the continuations of a single-class repetition in
// priority order (the preferred count on top).
func (m *Matcher) skip(in *inst, set *Set, data []byte, j job, end int) bool {
	run := 0
	max, lo := int(in.max), int(in.min)
	if max < 0 || j.pos+max > end {
		max = end - j.pos
	}
	if in.any {
		run = max
	} else {
		for run < max && set.Has(data[j.pos+run]) {
			run++
		}
	}
	if run < lo {
		return false
	}
	if m.limited {
		m.Budget -= int64(run - lo)
	}
	if in.greedy {
		for k := lo; k <= run; k++ {
			m.stack = append(m.stack, job{j.pc + 1, j.pos + k})
		}
	} else {
		for k := run; k >= lo; k-- {
			m.stack = append(m.stack, job{j.pc + 1, j.pos + k})
		}
	}
	return true
}

func (m *Matcher) clearMemo() {
	for _, w := range m.touched {
		m.memo[w] = 0
	}
	m.touched = m.touched[:0]
}
