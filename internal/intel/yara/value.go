package yara

import "math"

type typ uint8

const (
	tUndef typ = iota
	tInt
	tFloat
	tStr
	tBool
	tRegex
	tObj // a module structure bound to a loop variable
)

func (t typ) String() string {
	return [...]string{"undefined", "integer", "float", "string", "boolean", "regexp", "structure"}[t]
}

// value is a condition value; k == tUndef is YARA's undefined.
type value struct {
	k typ
	i int64
	f float64
	s string
	o any // tObj: the mobj a loop variable is bound to
}

var undef = value{}

func vInt(i int64) value     { return value{k: tInt, i: i} }
func vFloat(f float64) value { return value{k: tFloat, f: f} }
func vStr(s string) value    { return value{k: tStr, s: s} }
func vBool(b bool) value {
	if b {
		return value{k: tBool, i: 1}
	}
	return value{k: tBool}
}

// truth is a value in boolean context: undefined is false.
func (v value) truth() bool {
	switch v.k {
	case tInt, tBool:
		return v.i != 0
	case tFloat:
		return v.f != 0 && !math.IsNaN(v.f)
	case tStr:
		return v.s != ""
	}
	return false
}

func (v value) num() float64 {
	if v.k == tFloat {
		return v.f
	}
	return float64(v.i)
}
