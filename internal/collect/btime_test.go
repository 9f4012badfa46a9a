package collect

import (
	"testing"
	"time"
)

// TestKnownBirth: a birth time at or before the Unix epoch is what some
// filesystems report for files whose birth they never kept (seen on this
// project's build machine for Go's own source tree), not a birth.
func TestKnownBirth(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{time.Time{}, false},
		{time.Unix(0, 0), false},
		{time.Unix(-1, 0), false},
		{time.Unix(1, 0), true},
		{time.Date(2022, 4, 12, 14, 3, 0, 0, time.UTC), true},
	} {
		if got := knownBirth(tc.t); got != tc.want {
			t.Errorf("knownBirth(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}
