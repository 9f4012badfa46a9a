package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
)

func TestWrapStorageFull(t *testing.T) {
	s := &Store{d: &Dialect{Full: func(err error) bool { return strings.Contains(err.Error(), "SQLITE_FULL") }}}
	for _, tc := range []struct {
		err  error
		full bool
	}{
		{fmt.Errorf("write: %w", syscall.ENOSPC), true},
		{errors.New("database or disk is full (SQLITE_FULL)"), true},
		{fmt.Errorf("again: %w", fmt.Errorf("%w: x", store.ErrFull)), true},
		{errors.New("constraint failed"), false},
	} {
		if got := errors.Is(s.wrap(tc.err), store.ErrFull); got != tc.full {
			t.Errorf("wrap(%v) full = %v, want %v", tc.err, got, tc.full)
		}
	}
}
