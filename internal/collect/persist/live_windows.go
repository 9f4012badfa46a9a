//go:build windows

package persist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows/registry"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Live reads registry persistence on the running Windows host, whose
// SYSTEM and SOFTWARE hives and logged-on users' hives are locked:
// services of CurrentControlSet's set, the Run keys and Winlogon of
// HKLM\SOFTWARE (64-bit view, Wow6432Node read by path) and of every user
// loaded under HKEY_USERS. Records are the same as from hive files.
type Live struct{}

// NewLive returns the live-registry persistence collector.
func NewLive() *Live { return &Live{} }

// Name implements collect.HostCollector.
func (*Live) Name() string { return "persist-registry-live" }

const (
	liveMaxSubkeys = 1 << 16
	liveMaxValues  = 1 << 12
	liveAccess     = registry.READ | registry.WOW64_64KEY
)

// CollectHost implements collect.HostCollector. It does nothing unless
// env is the live Windows host.
func (*Live) CollectHost(ctx context.Context, env *collect.Env, sink collect.Sink) error {
	if !env.Live || env.OS != "windows" {
		return nil
	}
	add := func(a snapshot.Artifact) {
		setProgram(env, sink, &a, a.User, "")
		setNetwork(&a)
		sink.AddArtifact(a)
	}
	read := func(base registry.Key, path, where string, fn func(regKey) []error) {
		k, err := registry.OpenKey(base, path, liveAccess)
		if err != nil {
			sink.AddError(where, stage, fmt.Errorf("open %s: %w", where, err))
			return
		}
		open := &openKeys{}
		for _, err := range fn(liveKey{k: k, name: path, open: open}) {
			sink.AddError(where, stage, err)
		}
		open.close()
		k.Close()
	}
	read(registry.LOCAL_MACHINE, "SYSTEM", `registry:HKLM\SYSTEM`, func(k regKey) []error { return services(k, add) })
	read(registry.LOCAL_MACHINE, "SOFTWARE", `registry:HKLM\SOFTWARE`, func(k regKey) []error {
		return runKeys(k, `registry:HKLM\SOFTWARE\`, "", add)
	})
	users, err := windows.LoadedUsers()
	if err != nil {
		sink.AddError(`registry:HKU`, stage, fmt.Errorf("listing HKEY_USERS: %w", err))
		return nil
	}
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return err
		}
		read(registry.USERS, u.SID, `registry:HKU\`+u.SID, func(k regKey) []error {
			return runKeys(k, `registry:HKU\`+u.Name+`\`, u.Name, add)
		})
	}
	return nil
}

// openKeys closes the keys one walk opened.
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
	k, err := registry.OpenKey(l.k, strings.Join(path, `\`), liveAccess)
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
