package regex

import "errors"

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

type inst struct {
	op       opcode
	greedy   bool // for iSkip; for \b and \B: wide
	x, y     int
	min, max int
	set      Set
}

// Prog is a compiled pattern; it is immutable and safe to share.
type Prog struct {
	insts []inst
	// Unbounded reports a repetition without an upper bound.
	Unbounded bool
}

// Compile turns a pattern tree into a program.
func Compile(n *Node) (*Prog, error) {
	c := &compiler{}
	if err := c.node(n); err != nil {
		return nil, err
	}
	c.emit(inst{op: iMatch})
	return &Prog{insts: c.insts, Unbounded: c.unbounded}, nil
}

type compiler struct {
	insts     []inst
	unbounded bool
	tooLarge  bool
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
		c.emit(inst{op: iClass, set: n.Set})
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
		c.insts[split].x = split + 1
		if err := c.node(s); err != nil {
			return err
		}
		jumps = append(jumps, c.emit(inst{op: iJmp}))
		c.insts[split].y = len(c.insts)
	}
	for _, j := range jumps {
		c.insts[j].x = len(c.insts)
	}
	return nil
}

func (c *compiler) repeat(n *Node) error {
	sub := n.Subs[0]
	if n.Max < 0 {
		c.unbounded = true
	}
	if sub.Op == OpClass {
		c.emit(inst{op: iSkip, set: sub.Set, min: n.Min, max: n.Max, greedy: n.Greedy})
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
		c.emit(inst{op: iJmp, x: split})
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
		c.insts[at].x, c.insts[at].y = body, out
	} else {
		c.insts[at].x, c.insts[at].y = out, body
	}
}
