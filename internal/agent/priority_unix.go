//go:build unix

package agent

import "syscall"

// lowerPriority makes the agent yield the CPU to everything else
// (nice 10).
func lowerPriority() error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10)
}
