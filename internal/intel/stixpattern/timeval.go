package stixpattern

import (
	"math"
	"strconv"
	"strings"
)

// duration is a WITHIN window: whole seconds and nanoseconds, with a range
// far beyond time.Duration so that absurd windows stay exact.
type duration struct{ sec, nsec int64 }

const maxSeconds = math.MaxInt64 / 4 // "forever" for any STIX timestamp

// parseDuration reads the number of a WITHIN qualifier ("+"? digits, with an
// optional fraction). It reports whether the value is greater than zero.
// Digits below a nanosecond are dropped: timestamps differ by whole
// nanoseconds, so the comparison stays exact.
func parseDuration(text string) (d duration, positive bool) {
	text = strings.TrimPrefix(text, "+")
	whole, frac, _ := strings.Cut(text, ".")
	positive = strings.Trim(whole+frac, "0") != ""
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 18 {
		d.sec = maxSeconds
	} else if whole != "" {
		d.sec, _ = strconv.ParseInt(whole, 10, 64)
	}
	for i := 0; i < 9; i++ {
		d.nsec *= 10
		if i < len(frac) {
			d.nsec += int64(frac[i] - '0')
		}
	}
	return d, positive
}

func (d duration) String() string {
	s := strconv.FormatInt(d.sec, 10)
	if d.nsec != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(d.nsec+1e9, 10)[1:], "0")
	}
	return s
}
