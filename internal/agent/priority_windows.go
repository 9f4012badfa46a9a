//go:build windows

package agent

import "golang.org/x/sys/windows"

// lowerPriority runs the agent below normal priority, with background
// I/O priority.
func lowerPriority() error {
	h := windows.CurrentProcess()
	if err := windows.SetPriorityClass(h, windows.BELOW_NORMAL_PRIORITY_CLASS); err != nil {
		return err
	}
	return windows.SetPriorityClass(h, windows.PROCESS_MODE_BACKGROUND_BEGIN)
}
