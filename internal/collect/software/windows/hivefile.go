package windows

import (
	"context"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

// This file lets other collectors read any hive file of an image (SYSTEM,
// Amcache.hve) as this package reads its own: recovered from its
// transaction logs in memory, within the same bounds and budgets.

// Recovery says how a dirty hive was replayed from its transaction logs.
type Recovery struct {
	Message string
	// Complete: the logs were applied and nothing was left out (a note,
	// not a problem).
	Complete bool
}

// ReadHiveFile reads the hive at rel as Windows would load it and runs fn
// on its root key, guarding against parser panics. rec, when not nil,
// says how a dirty hive was replayed from its logs (or why it could not
// be fully); the caller reports it, since no other collector reads this
// hive. On a live Windows system the system's own hives are locked: the
// read fails with a sharing-violation error.
func ReadHiveFile(ctx context.Context, env *collect.Env, rel string, fn func(root *Key) error) (rec *Recovery, err error) {
	h, err := LoadHive(ctx, env, rel)
	if err != nil {
		return nil, err
	}
	return h.Recovery(rel), h.Walk(fn)
}

// MaxBlobValue caps a value read with Key.Blob: the AppCompatCache value
// of a busy Windows 10 system is a few hundred KiB.
const MaxBlobValue = 4 << 20

// Blob returns a value's raw data whatever its type (REG_BINARY for the
// AppCompatCache blob, BAM and UserAssist entries), at most MaxBlobValue
// bytes. A value that cannot be read is an error; an absent one is nil, nil.
func (k *Key) Blob(name string) ([]byte, error) {
	vals, err := k.k.values()
	if err != nil {
		k.k.note(err)
	}
	v, ok := vals[strings.ToLower(name)]
	if !ok {
		return nil, nil
	}
	b, err := k.k.h.valueDataUpTo(v, MaxBlobValue)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.k.path, err)
	}
	return b, nil
}
