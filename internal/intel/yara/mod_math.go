package yara

import "math"

// mathModule is yara's math module over the scanned data or a string.
func mathModule() *module {
	m := &module{funcs: map[string][]moduleFunc{}, consts: map[string]value{"MEAN_BYTES": vFloat(127.5)}}
	overData := func(name string, f func(b []byte) float64) {
		m.funcs[name] = []moduleFunc{
			{"ii", tFloat, func(e *evalCtx, _ mobj, a []value) value {
				b, ok := dataRange(e.in.Data, a[0].i, a[1].i)
				if !ok {
					return undef
				}
				return floatOrUndef(f(b))
			}},
			{"s", tFloat, func(_ *evalCtx, _ mobj, a []value) value { return floatOrUndef(f([]byte(a[0].s))) }},
		}
	}
	overData("entropy", entropy)
	overData("mean", mean)
	overData("serial_correlation", serialCorrelation)
	overData("monte_carlo_pi", monteCarloPi)
	m.funcs["deviation"] = []moduleFunc{
		{"iif", tFloat, func(e *evalCtx, _ mobj, a []value) value {
			b, ok := dataRange(e.in.Data, a[0].i, a[1].i)
			if !ok {
				return undef
			}
			return floatOrUndef(deviation(b, a[2].f))
		}},
		{"sf", tFloat, func(_ *evalCtx, _ mobj, a []value) value { return floatOrUndef(deviation([]byte(a[0].s), a[1].f)) }},
	}
	m.funcs["in_range"] = []moduleFunc{{"fff", tBool, func(_ *evalCtx, _ mobj, a []value) value {
		return vBool(a[0].f >= a[1].f && a[0].f <= a[2].f)
	}}}
	m.funcs["max"] = []moduleFunc{{"ii", tInt, func(_ *evalCtx, _ mobj, a []value) value { return vInt(max(a[0].i, a[1].i)) }}}
	m.funcs["min"] = []moduleFunc{{"ii", tInt, func(_ *evalCtx, _ mobj, a []value) value { return vInt(min(a[0].i, a[1].i)) }}}
	m.funcs["to_number"] = []moduleFunc{{"b", tInt, func(_ *evalCtx, _ mobj, a []value) value { return vInt(a[0].i) }}}
	m.funcs["abs"] = []moduleFunc{{"i", tInt, func(_ *evalCtx, _ mobj, a []value) value {
		if a[0].i < 0 {
			return vInt(-a[0].i)
		}
		return a[0]
	}}}
	return m
}

// floatOrUndef maps NaN (no data to compute over) to undefined.
func floatOrUndef(f float64) value {
	if math.IsNaN(f) {
		return undef
	}
	return vFloat(f)
}

func histogram(b []byte) (h [256]int) {
	for _, c := range b {
		h[c]++
	}
	return h
}

func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	h := histogram(b)
	e := 0.0
	for _, n := range h {
		if n > 0 {
			p := float64(n) / float64(len(b))
			e -= p * math.Log2(p)
		}
	}
	return e
}

func mean(b []byte) float64 {
	if len(b) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, c := range b {
		s += float64(c)
	}
	return s / float64(len(b))
}

func deviation(b []byte, m float64) float64 {
	if len(b) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, c := range b {
		s += math.Abs(float64(c) - m)
	}
	return s / float64(len(b))
}

// serialCorrelation is the correlation of each byte with the next,
// computed as yara 4.2 does (its wrap-around term pairs the last byte
// with itself, not with the first).
func serialCorrelation(b []byte) float64 {
	var scclast, sccun, scct1, scct2, scct3 float64
	for _, c := range b {
		sccun = float64(c)
		scct1 += scclast * sccun
		scct2 += sccun
		scct3 += sccun * sccun
		scclast = sccun
	}
	scct1 += scclast * sccun
	n := float64(len(b))
	scct2 *= scct2
	d := n*scct3 - scct2
	if d == 0 {
		return -100000
	}
	return (n*scct1 - scct2) / d
}

// monteCarloPi estimates pi from 6-byte groups as points in a square, as
// ent and yara do.
func monteCarloPi(b []byte) float64 {
	const monten = 6
	incirc := math.Pow(math.Pow(256, monten/2)-1, 2)
	var inmont, mcount float64
	for i := 0; i+monten <= len(b); i += monten {
		var x, y float64
		for j := 0; j < monten/2; j++ {
			x = x*256 + float64(b[i+j])
			y = y*256 + float64(b[i+monten/2+j])
		}
		mcount++
		if x*x+y*y <= incirc {
			inmont++
		}
	}
	if mcount == 0 {
		return math.NaN() // no sample: undefined
	}
	pi := 4 * inmont / mcount
	return math.Abs(pi-math.Pi) / math.Pi
}
