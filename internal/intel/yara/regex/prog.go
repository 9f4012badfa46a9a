package regex

import (
	"errors"
	"math"
	"slices"
)

// maxProg bounds a compiled program's instructions.
const maxProg = 1 << 17

// ErrTooLarge is returned for a pattern whose program would be too big.
var ErrTooLarge = errors.New("pattern too large once expanded")

type opcode uint8

const (
	iClass opcode = iota
	iSplit        // try X, then Y
	iJmp
	iMatch
	iBegin
	iEnd
	iWordB
	iNotWordB
	iSkip // Set repeated Min..Max times, greedy or lazy
)

// inst is one instruction, 24 bytes: a large rule set holds millions
// (every byte of every hex string), so the byte set an instruction tests
// is an index into its program's table of distinct sets.
type inst struct {
	op       opcode
	greedy   bool // for iSkip; for \b and \B: wide
	any      bool // iSkip: the set holds every byte
	set      int32
	x, y     int32
	min, max int32
}

// Prog is a compiled pattern; it is immutable and safe to share.
type Prog struct {
	insts []inst
	sets  []Set
	// Unbounded reports a repetition without an upper bound.
	Unbounded bool
}

// Compile turns a pattern tree into a program.
func Compile(n *Node) (*Prog, error) {
	c := &compiler{setIdx: map[Set]int32{}}
	if err := c.node(n); err != nil {
		return nil, err
	}
	c.emit(inst{op: iMatch})
	return &Prog{insts: slices.Clip(c.insts), sets: slices.Clip(c.sets), Unbounded: c.unbounded}, nil
}

type compiler struct {
	insts     []inst
	sets      []Set
	setIdx    map[Set]int32
	unbounded bool
	tooLarge  bool
}

// set returns s's index in the program's set table.
func (c *compiler) set(s Set) int32 {
	if i, ok := c.setIdx[s]; ok {
		return i
	}
	c.sets = append(c.sets, s)
	c.setIdx[s] = int32(len(c.sets) - 1)
	return int32(len(c.sets) - 1)
}

func (c *compiler) emit(i inst) int {
	if len(c.insts) >= maxProg {
		c.tooLarge = true
		return len(c.insts) - 1
	}
	c.insts = append(c.insts, i)
	return len(c.insts) - 1
}

func (c *compiler) node(n *Node) error {
	if c.tooLarge {
		return ErrTooLarge
	}
	switch n.Op {
	case OpClass:
		c.emit(inst{op: iClass, set: c.set(n.Set)})
	case OpConcat:
		for _, s := range n.Subs {
			if err := c.node(s); err != nil {
				return err
			}
		}
	case OpAlt:
		return c.alt(n.Subs)
	case OpRepeat:
		return c.repeat(n)
	case OpBegin:
		c.emit(inst{op: iBegin})
	case OpEnd:
		c.emit(inst{op: iEnd})
	case OpWordB:
		c.emit(inst{op: iWordB, greedy: n.Wide})
	case OpNotWordB:
		c.emit(inst{op: iNotWordB, greedy: n.Wide})
	}
	if c.tooLarge {
		return ErrTooLarge
	}
	return nil
}

func (c *compiler) alt(subs []*Node) error {
	var jumps []int
	for i, s := range subs {
		if i == len(subs)-1 {
			if err := c.node(s); err != nil {
				return err
			}
			break
		}
		split := c.emit(inst{op: iSplit})
		c.insts[split].x = int32(split + 1)
		if err := c.node(s); err != nil {
			return err
		}
		jumps = append(jumps, c.emit(inst{op: iJmp}))
		c.insts[split].y = int32(len(c.insts))
	}
	for _, j := range jumps {
		c.insts[j].x = int32(len(c.insts))
	}
	return nil
}

func (c *compiler) repeat(n *Node) error {
	sub := n.Subs[0]
	if n.Max < 0 {
		c.unbounded = true
	}
	if n.Min > math.MaxInt32 || n.Max > math.MaxInt32 {
		c.tooLarge = true
		return ErrTooLarge
	}
	if sub.Op == OpClass {
		c.emit(inst{op: iSkip, set: c.set(sub.Set), any: sub.Set.Len() == 256,
			min: int32(n.Min), max: int32(n.Max), greedy: n.Greedy})
		return nil
	}
	for i := 0; i < n.Min; i++ {
		if err := c.node(sub); err != nil {
			return err
		}
	}
	if n.Max < 0 {
		split := c.emit(inst{op: iSplit})
		if err := c.node(sub); err != nil {
			return err
		}
		c.emit(inst{op: iJmp, x: int32(split)})
		c.setSplit(split, split+1, len(c.insts), n.Greedy)
		return nil
	}
	var splits []int
	for i := n.Min; i < n.Max; i++ {
		splits = append(splits, c.emit(inst{op: iSplit}))
		if err := c.node(sub); err != nil {
			return err
		}
	}
	for _, s := range splits {
		c.setSplit(s, s+1, len(c.insts), n.Greedy)
	}
	return nil
}

func (c *compiler) setSplit(at, body, out int, greedy bool) {
	if c.tooLarge {
		return
	}
	if greedy {
		c.insts[at].x, c.insts[at].y = int32(body), int32(out)
	} else {
		c.insts[at].x, c.insts[at].y = int32(out), int32(body)
	}
}
