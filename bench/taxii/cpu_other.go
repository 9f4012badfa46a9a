//go:build !unix

package main

import "time"

// cpu is not measured here; the per-CPU-second figures read +Inf.
func cpu() time.Duration { return 0 }
