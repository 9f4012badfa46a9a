package yara

import (
	"encoding/binary"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// intReader reads an integer of the data at an offset.
type intReader struct {
	size   int
	signed bool
	big    bool
}

var intFuncs = map[string]intReader{}

func init() {
	for _, size := range []int{1, 2, 4} {
		for _, signed := range []bool{false, true} {
			for _, big := range []bool{false, true} {
				name := "int"
				if !signed {
					name = "uint"
				}
				name += map[int]string{1: "8", 2: "16", 4: "32"}[size]
				if big {
					name += "be"
				}
				intFuncs[name] = intReader{size, signed, big}
			}
		}
	}
}

func (r intReader) read(data []byte, off int64) value {
	if off < 0 || off > int64(len(data))-int64(r.size) {
		return undef
	}
	b := data[off : off+int64(r.size)]
	var u uint64
	switch {
	case r.size == 1:
		u = uint64(b[0])
	case r.size == 2 && r.big:
		u = uint64(binary.BigEndian.Uint16(b))
	case r.size == 2:
		u = uint64(binary.LittleEndian.Uint16(b))
	case r.big:
		u = uint64(binary.BigEndian.Uint32(b))
	default:
		u = uint64(binary.LittleEndian.Uint32(b))
	}
	if r.signed {
		shift := uint(64 - 8*r.size)
		return vInt(int64(u<<shift) >> shift)
	}
	return vInt(int64(u))
}

func (rc *ruleCompiler) call(n *syntax.Call) (evalFn, typ, error) {
	id, ok := n.Fn.(*syntax.Ident)
	if !ok {
		return rc.moduleExpr(n)
	}
	r, ok := intFuncs[id.Name]
	if !ok {
		return nil, 0, rc.errf(n.P, "undefined identifier %q", id.Name)
	}
	if len(n.Args) != 1 {
		return nil, 0, rc.errf(n.P, "%s takes one argument", id.Name)
	}
	off, t, err := rc.expr(n.Args[0])
	if err != nil {
		return nil, 0, err
	}
	if err := rc.want(n.Args[0], t, tInt); err != nil {
		return nil, 0, err
	}
	return func(e *evalCtx) value {
		o := off(e)
		if o.k != tInt {
			return undef
		}
		return r.read(e.in.Data, o.i)
	}, tInt, nil
}
