//go:build !linux && !windows && !darwin

package live

import "context"

// Sweep has nothing to read on this OS.
func Sweep(context.Context) Result {
	return Result{Skipped: map[string]int64{}, Unavailable: "no live-state sweep on this OS"}
}
