package live

import (
	"context"
	"testing"
)

// BenchmarkSweep sweeps this machine as it is (go run ./bench/live starts
// 1,000 processes first).
func BenchmarkSweep(b *testing.B) {
	for b.Loop() {
		Sweep(context.Background())
	}
}
