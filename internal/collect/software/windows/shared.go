package windows

import (
	"context"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect"
)

// The software, reach, execution-evidence and persistence collectors all
// read SYSTEM, SOFTWARE and every NTUSER.DAT. A hive is read and replayed
// from its transaction logs once per file per scan (loadShared): within
// the engine's per-file scope (collect.Shared) the first collector loads
// it and the others get the same read-only bytes. Each walk over them
// (Hive.walk) has its own cell and byte budgets, so a hostile hive that
// exhausts one collector's budget does not blind the next. The scope ends
// when the last collector has seen the file, so a scan holds at most one
// loaded hive per walk worker: the hive (at most MaxHiveSize) and, for a
// dirty one, its on-disk state before recovery (as much again).

// Hive is one hive file as Windows would load it: its bytes after
// replaying its transaction logs, and how that went. It is read-only and
// may be walked by several collectors, concurrently.
type Hive struct {
	data []byte
	note *hiveNote
}

// sharedHiveKey keys a loaded hive in the engine's per-file scope.
type sharedHiveKey struct {
	rel   string
	limit int64
}

// loadShared loads the hive at rel once per per-file scope of ctx (see
// collect.Shared); outside one it loads it on every call.
func loadShared(ctx context.Context, env *collect.Env, rel string, limit int64) (*Hive, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return collect.Shared(ctx, sharedHiveKey{rel, limit}, func() (*Hive, error) {
		data, note, err := loadHive(env.FS, rel, limit)
		if err != nil {
			return nil, err
		}
		return &Hive{data: data, note: note}, nil
	})
}

// LoadHive reads the hive at rel (relative to env's root) as Windows
// would load it, sharing one read per file among the collectors the
// engine offers it to. On live Windows the system's own hives are locked:
// the read fails with a sharing-violation error.
func LoadHive(ctx context.Context, env *collect.Env, rel string) (*Hive, error) {
	return loadShared(ctx, env, rel, MaxHiveSize)
}

// Walk runs fn on the hive's root key with a fresh work budget, turning a
// parser panic into an error.
func (h *Hive) Walk(fn func(root *Key) error) error { return ParseHive(h.data, fn) }

// Recovery says how a dirty hive was replayed from its logs; nil for a
// clean one.
func (h *Hive) Recovery(rel string) *Recovery {
	if h.note == nil {
		return nil
	}
	return &Recovery{Message: fmt.Sprintf("hive %s: %v", rel, h.note.err), Complete: h.note.complete}
}
