package windows

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
)

// This file lets other collectors read users' hives as this package does:
// the same discovery (UserHive), the same recovery of dirty hives from
// their transaction logs, the same bounds and budgets, and the same rule
// for live Windows (hives of logged-on users are read through HKEY_USERS).

// UserHive reports whether rel (a slash path relative to the root) is a
// user's NTUSER.DAT (Users/<name>/NTUSER.DAT outside the shared profiles)
// and whose. It is cheap enough for PathCollector.WantsPath.
func UserHive(rel string) (user string, ok bool) {
	kind, user := hiveKind(rel)
	return user, kind == userHive
}

// ErrHiveLoaded is returned by ReadUserHive on live Windows for a user who
// is logged on: the hive is locked and is read through HKEY_USERS instead.
var ErrHiveLoaded = errors.New("hive is loaded under HKEY_USERS")

// ReadUserHive reads the user hive at rel as Windows would load it (a
// dirty hive replayed from its logs in memory) and runs fn on its root
// key, guarding against parser panics. How a dirty hive was recovered is
// not reported here: the windows-registry collector, which reads every
// user hive, reports it once. fn's per-key problems are for the caller to
// collect with Key.Errs.
func ReadUserHive(ctx context.Context, env *collect.Env, rel string, fn func(root *Key) error) error {
	if liveWindows(env) {
		loaded, err := profileLoaded(display(env, path.Dir(rel)))
		if err != nil {
			return fmt.Errorf("hive %s: checking whether its user is logged on: %w", rel, err)
		}
		if loaded {
			return ErrHiveLoaded
		}
	}
	h, err := LoadHive(ctx, env, rel)
	if err != nil {
		return err
	}
	return h.Walk(fn)
}

// ParseHive opens the hive held in data and runs fn on its root key,
// turning a panic into an error. Fuzz tests of other packages use it.
func ParseHive(data []byte, fn func(root *Key) error) error {
	return safely(func() error {
		return parseHostHive(data, func(root *key) error { return fn(&Key{k: root}) })
	})
}

// IsBudget reports whether err is a hive's work budget running out: the
// rest of the hive cannot be read.
func IsBudget(err error) bool { return errors.Is(err, errBudget) }

// Key is one key of a hive read by ReadUserHive.
type Key struct{ k *key }

// Name is the key's name; Path its backslash path below the hive root.
func (k *Key) Name() string { return k.k.name }

// Path is the key's backslash path below the hive root.
func (k *Key) Path() string { return k.k.path }

// LastWrite is the key's last-write time as the hive records it (UTC),
// zero when unset.
func (k *Key) LastWrite() time.Time {
	ft := k.k.nk.LastWriteTime()
	if ft == nil {
		return time.Time{}
	}
	t := ft.Time
	if t.IsZero() || t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

// Open follows path components below k, matching without regard to case;
// nil (and maybe an error) when one is absent.
func (k *Key) Open(path ...string) (*Key, error) {
	sub, err := k.k.open(path...)
	if sub == nil {
		return nil, err
	}
	return &Key{k: sub}, err
}

// Subkeys lists k's subkeys; broken ones are left out and reported in err.
func (k *Key) Subkeys() ([]*Key, error) {
	subs, err := k.k.subkeys()
	out := make([]*Key, len(subs))
	for i, s := range subs {
		out[i] = &Key{k: s}
	}
	return out, err
}

// ValueNames lists k's value names (at most maxValues) in the order of
// the key's value list, as Windows enumerates them: the same on every
// read, so records made from them come out in a stable order.
func (k *Key) ValueNames() ([]string, error) {
	_, err := k.k.values()
	return append([]string(nil), k.k.names...), err
}

// String returns a REG_SZ or REG_EXPAND_SZ value without its NUL.
func (k *Key) String(name string) (string, bool) { return k.k.stringValue(name) }

// Int returns a REG_DWORD, REG_DWORD_BIG_ENDIAN or REG_QWORD value.
func (k *Key) Int(name string) (uint64, bool) { return k.k.intValue(name) }

// Errs are the problems met decoding k's values.
func (k *Key) Errs() []error { return k.k.errs }

// ReadMachineHive reads a machine hive at rel (Windows/System32/config/
// SYSTEM, SOFTWARE) as Windows would load it, replayed from its
// transaction logs when dirty, and runs fn on its root key. On live
// Windows the machine hives are locked; the caller reads the registry API
// instead.
func ReadMachineHive(ctx context.Context, env *collect.Env, rel string, fn func(root *Key) error) error {
	h, err := LoadHive(ctx, env, rel)
	if err != nil {
		return err
	}
	return h.Walk(fn)
}
