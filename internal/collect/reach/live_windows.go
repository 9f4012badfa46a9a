//go:build windows

package reach

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows/registry"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
)

// Live reads the reach keys of every user hive loaded under HKEY_USERS
// (users logged on, whose NTUSER.DAT files are locked; Registry reads the
// others' files). The records are the same as from a hive file.
type Live struct{}

// NewLive returns the live-registry reach collector.
func NewLive() *Live { return &Live{} }

// Name implements collect.HostCollector.
func (*Live) Name() string { return "reach-registry-live" }

// Caps for the live registry, as for hive files.
const (
	liveMaxSubkeys = 1 << 16
	liveMaxValues  = 1 << 12
)

// CollectHost implements collect.HostCollector. It does nothing unless
// env is the live Windows host; problems are recorded with Sink.AddError.
func (*Live) CollectHost(ctx context.Context, env *collect.Env, sink collect.Sink) error {
	if !env.Live || env.OS != "windows" {
		return nil
	}
	users, err := windows.LoadedUsers()
	if err != nil {
		sink.AddError(`registry:HKU`, stage, fmt.Errorf("listing HKEY_USERS: %w", err))
		return nil
	}
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return err
		}
		where := `registry:HKU\` + u.SID
		root, err := registry.OpenKey(registry.USERS, u.SID, registry.READ)
		if err != nil {
			sink.AddError(where, stage, fmt.Errorf("open HKU\\%s: %w", u.SID, err))
			continue
		}
		open := &openKeys{}
		for _, err := range fromHive(liveKey{k: root, open: open}, u.Name, sink.AddArtifact) {
			sink.AddError(where, stage, err)
		}
		open.close()
		root.Close()
	}
	return nil
}

// openKeys closes the keys a user's walk opened.
type openKeys struct{ keys []registry.Key }

func (o *openKeys) close() {
	for _, k := range o.keys {
		k.Close()
	}
}

// liveKey is a regKey over an open registry key.
type liveKey struct {
	k    registry.Key
	name string
	open *openKeys
}

func (l liveKey) Name() string { return l.name }

func (l liveKey) LastWrite() time.Time {
	st, err := l.k.Stat()
	if err != nil {
		return time.Time{}
	}
	return st.ModTime().UTC()
}

func (l liveKey) Open(path ...string) (regKey, error) {
	k, err := registry.OpenKey(l.k, strings.Join(path, `\`), registry.READ)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", strings.Join(path, `\`), err)
	}
	l.open.keys = append(l.open.keys, k)
	return liveKey{k: k, name: path[len(path)-1], open: l.open}, nil
}

func (l liveKey) Subkeys() ([]regKey, error) {
	names, err := l.k.ReadSubKeyNames(liveMaxSubkeys)
	var out []regKey
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("list %s: %w", l.name, err))
	}
	for _, n := range names {
		sub, err := l.Open(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if sub != nil {
			out = append(out, sub)
		}
	}
	return out, errors.Join(errs...)
}

func (l liveKey) ValueNames() ([]string, error) { return l.k.ReadValueNames(liveMaxValues) }

func (l liveKey) String(name string) (string, bool) {
	s, _, err := l.k.GetStringValue(name)
	return s, err == nil
}

func (l liveKey) Int(name string) (uint64, bool) {
	v, _, err := l.k.GetIntegerValue(name)
	return v, err == nil
}

func (l liveKey) Errs() []error { return nil }

var _ collect.HostCollector = (*Live)(nil)
