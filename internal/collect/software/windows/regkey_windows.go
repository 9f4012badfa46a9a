//go:build windows

package windows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows/registry"
)

// LiveKey returns the open live-registry key k as a RegKey named name
// (for messages). Keys opened below it are opened with access (for
// example registry.READ|registry.WOW64_64KEY) and stay open until the
// returned close runs; k itself is the caller's to close. Lists are
// capped as for hive files (maxSubkeys, maxValues).
func LiveKey(k registry.Key, name string, access uint32) (key RegKey, close func()) {
	open := &openKeys{}
	return liveKey{k: k, name: name, access: access, open: open}, open.close
}

// openKeys closes the keys one walk opened.
type openKeys struct{ keys []registry.Key }

func (o *openKeys) close() {
	for _, k := range o.keys {
		k.Close()
	}
	o.keys = nil
}

// liveKey is a RegKey (and a valueSource) over an open registry key.
type liveKey struct {
	k      registry.Key
	name   string
	access uint32
	open   *openKeys
}

func (l liveKey) Name() string { return l.name }

func (l liveKey) LastWrite() time.Time {
	st, err := l.k.Stat()
	if err != nil {
		return time.Time{}
	}
	return st.ModTime().UTC()
}

func (l liveKey) Open(path ...string) (RegKey, error) {
	k, err := registry.OpenKey(l.k, strings.Join(path, `\`), l.access)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", strings.Join(path, `\`), err)
	}
	l.open.keys = append(l.open.keys, k)
	return liveKey{k: k, name: path[len(path)-1], access: l.access, open: l.open}, nil
}

func (l liveKey) Subkeys() ([]RegKey, error) {
	names, err := l.k.ReadSubKeyNames(maxSubkeys)
	var out []RegKey
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

func (l liveKey) ValueNames() ([]string, error) { return l.k.ReadValueNames(maxValues) }

func (l liveKey) String(name string) (string, bool) {
	s, _, err := l.k.GetStringValue(name)
	return s, err == nil
}

func (l liveKey) Int(name string) (uint64, bool) {
	v, _, err := l.k.GetIntegerValue(name)
	return v, err == nil
}

func (l liveKey) Errs() []error { return nil }

// stringValue and intValue make liveKey a valueSource for softwareFrom.
func (l liveKey) stringValue(name string) (string, bool) { return l.String(name) }
func (l liveKey) intValue(name string) (uint64, bool)    { return l.Int(name) }
