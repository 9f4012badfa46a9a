package collect

import (
	"syscall"
	"time"
)

func mtimeOf(st *syscall.Stat_t) syscall.Timespec { return st.Mtimespec }
func ctimeOf(st *syscall.Stat_t) syscall.Timespec { return st.Ctimespec }

// deviceOf returns the device a file lives on.
func deviceOf(sys any) (uint64, bool) {
	st, ok := sys.(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Dev), true
}

// birthOf returns a file's birth time (zero when unknown).
func birthOf(sys any) time.Time {
	st, ok := sys.(*syscall.Stat_t)
	if !ok || st.Birthtimespec.Sec == 0 && st.Birthtimespec.Nsec == 0 {
		return time.Time{}
	}
	return time.Unix(st.Birthtimespec.Sec, st.Birthtimespec.Nsec)
}
