package collect

import (
	"context"
	"errors"
	"sync"
)

// Several path collectors often read the same file: SYSTEM, SOFTWARE and
// every NTUSER.DAT are wanted by the software, reach, execution-evidence
// and persistence collectors. The engine offers one file to its
// collectors one after the other; when more than one wants it, their
// context carries a per-file scope in which the first collector's parse
// (Shared) is kept for the next ones. The scope is dropped as soon as the
// last collector has seen the file, so what it holds lives no longer than
// the file's turn: at most one scope per walk worker at any time.

type sharedScopeKey struct{}

// errLoadPanicked is what the later callers of Shared get when the first
// caller's load panicked.
var errLoadPanicked = errors.New("shared value: an earlier reader of this file failed (panic recovered)")

// sharedScope holds the values made for one file, by key.
type sharedScope struct {
	mu      sync.Mutex
	entries map[any]*sharedEntry
}

type sharedEntry struct {
	once sync.Once
	val  any
	err  error
}

// WithSharedScope returns a context in which Shared keeps values until
// the context is dropped. The engine makes one per file that more than
// one path collector wants; tests and benchmarks use it to do the same.
func WithSharedScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedScopeKey{}, &sharedScope{entries: map[any]*sharedEntry{}})
}

// Shared returns what load makes for key, calling load at most once per
// shared scope (see WithSharedScope) and handing every caller the same
// value and error; outside a scope it simply calls load. key must be
// comparable and should be a type private to the caller's package, so
// that packages cannot collide. Values are shared between collectors and
// may be used concurrently: they must be treated as read-only. Safe for
// concurrent use.
func Shared[T any](ctx context.Context, key any, load func() (T, error)) (T, error) {
	s, _ := ctx.Value(sharedScopeKey{}).(*sharedScope)
	if s == nil {
		return load()
	}
	s.mu.Lock()
	e := s.entries[key]
	if e == nil {
		e = &sharedEntry{}
		s.entries[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() {
		e.err = errLoadPanicked // kept only if load panics (the engine recovers it for the first caller)
		e.val, e.err = load()
	})
	v, _ := e.val.(T)
	return v, e.err
}
