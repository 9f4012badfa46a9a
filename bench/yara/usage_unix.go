//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// usage returns a finished child's CPU time and peak RSS in KiB (Linux
// reports ru_maxrss in KiB).
func usage(ps *os.ProcessState) (time.Duration, int64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime(), 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Maxrss
}
