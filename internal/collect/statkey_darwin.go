package collect

import "syscall"

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
