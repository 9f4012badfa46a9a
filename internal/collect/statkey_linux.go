package collect

import (
	"syscall"
	"time"
)

func mtimeOf(st *syscall.Stat_t) syscall.Timespec { return st.Mtim }
func ctimeOf(st *syscall.Stat_t) syscall.Timespec { return st.Ctim }

// deviceOf returns the device a file lives on.
func deviceOf(sys any) (uint64, bool) {
	st, ok := sys.(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Dev), true
}

// birthOf is zero: a Linux FileInfo carries no birth time. The walk's own
// directory reader (rawDir) asks statx for it.
func birthOf(any) time.Time { return time.Time{} }
