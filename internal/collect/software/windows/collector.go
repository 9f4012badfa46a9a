package windows

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/cascade-ir/cascade/internal/collect"
)

// Collector is the offline PathCollector: it reads the Uninstall keys of
// Windows/System32/config/SOFTWARE and of every Users/<name>/NTUSER.DAT it
// is offered. A hive that cannot be read or parsed is recorded with
// Sink.AddError and CollectPath returns nil; it only returns an error when
// the context ends.
//
// On a live Windows host the SOFTWARE hive and the hives of logged-on users
// are locked and already read through the registry API by LiveCollector, so
// this collector leaves them alone and reads only the NTUSER.DAT files of
// users who are not logged on.
type Collector struct {
	maxHiveSize int64
	// loaded reports whether a profile folder's user hive is loaded under
	// HKEY_USERS (live Windows only); tests replace it.
	loaded func(dir string) (bool, error)
}

// New returns the offline Windows registry collector.
func New() *Collector { return &Collector{maxHiveSize: MaxHiveSize, loaded: profileLoaded} }

// Name implements collect.PathCollector.
func (c *Collector) Name() string { return "windows-registry" }

// stage is the PathError stage of parse problems.
const stage = "parse:windows-registry"

// WantsPath implements collect.PathCollector.
func (c *Collector) WantsPath(env *collect.Env, rel string) bool {
	switch kind, _ := hiveKind(rel); kind {
	case machineHive:
		return !liveWindows(env)
	case userHive:
		return true
	}
	return false
}

// CollectPath implements collect.PathCollector.
func (c *Collector) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	kind, user := hiveKind(rel)
	if kind == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if kind == userHive && liveWindows(env) {
		loaded, err := c.loaded(display(env, path.Dir(rel)))
		if err != nil {
			sink.AddError(rel, stage, fmt.Errorf("checking whether %s is logged on: %w", user, err))
		}
		if loaded {
			return nil // read from HKEY_USERS by LiveCollector
		}
	}
	h, err := loadShared(ctx, env, rel, c.maxHiveSize)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sink.AddError(rel, "read", err)
		return nil
	}
	sw, errs := parseHive(ctx, h.data, kind, user)
	note := h.note
	if note != nil {
		msg := note.err.Error()
		if note.primary != nil {
			old, _ := parseHive(ctx, note.primary, kind, user) // its problems are not this scan's
			if d := describeChanges(old, sw); d != "" {
				msg += "; " + d
			}
		}
		sink.AddError(rel, note.stage(), fmt.Errorf("hive %s: %s", rel, msg))
	}
	for _, s := range sw {
		sink.AddSoftware(s)
	}
	for _, err := range errs {
		sink.AddError(rel, stage, fmt.Errorf("hive %s: %w", rel, err))
	}
	return ctx.Err()
}

func liveWindows(env *collect.Env) bool { return env.Live && env.OS == "windows" }

// display names rel as the scanned system does (C:\Users\alice).
func display(env *collect.Env, rel string) string {
	if env.Display == nil {
		return rel
	}
	return env.Display(rel)
}

// readHiveFile reads a whole hive through fsys, refusing files over limit.
func readHiveFile(fsys fs.FS, rel string, limit int64) ([]byte, error) {
	return readRegFile(fsys, rel, "hive", limit)
}

// readRegFile reads a whole registry file (what: hive or transaction log)
// through fsys, refusing files over limit.
func readRegFile(fsys fs.FS, rel, what string, limit int64) ([]byte, error) {
	f, err := fsys.Open(rel)
	if err != nil {
		if isSharingViolation(err) {
			return nil, fmt.Errorf("%s %s is locked by the running system (sharing violation), skipped: %w", what, rel, err)
		}
		return nil, fmt.Errorf("%s %s: %w", what, rel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, rel, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %s: not a regular file", what, rel)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s %s: %d bytes, over the %d-byte cap, skipped", what, rel, st.Size(), limit)
	}
	// Sized from the stat, so a hive of tens of MiB is read into one
	// buffer instead of one grown (and copied) a dozen times.
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, rel, err)
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s: grew past the %d-byte cap while read, skipped", what, rel, limit)
	}
	return data, nil
}
