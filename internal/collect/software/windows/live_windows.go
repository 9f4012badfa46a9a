//go:build windows

package windows

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"

	"github.com/cascade-ir/cascade/internal/collect"
)

// LiveCollector reads the running Windows registry: HKLM's Uninstall key in
// both registry views, and the Uninstall keys of every user hive loaded
// under HKEY_USERS. Users who are not logged on are read from their
// NTUSER.DAT files by Collector. Errors are recorded with Sink.AddError
// under the registry path (e.g. `registry:HKU\S-1-5-21-…`).
type LiveCollector struct{}

// NewLive returns the live Windows registry collector.
func NewLive() *LiveCollector { return &LiveCollector{} }

// Name implements collect.HostCollector.
func (c *LiveCollector) Name() string { return "windows-registry-live" }

// CollectHost implements collect.HostCollector. It does nothing unless env
// is the live Windows host.
func (c *LiveCollector) CollectHost(ctx context.Context, env *collect.Env, sink collect.Sink) error {
	if !liveWindows(env) {
		return nil
	}
	hasWOW := keyExists(registry.LOCAL_MACHINE, `SOFTWARE\WOW6432Node`, registry.WOW64_64KEY)
	for _, v := range machineViews(hasWOW) {
		access := uint32(registry.WOW64_64KEY)
		if v.wow {
			access = registry.WOW64_32KEY
		}
		// The WOW64_32KEY view redirects SOFTWARE\… to SOFTWARE\WOW6432Node\….
		if err := readLiveView(ctx, registry.LOCAL_MACHINE, `SOFTWARE\`+strings.Join(uninstallPath, `\`), access, v, sink); err != nil {
			return err
		}
	}
	sids, err := loadedSIDs()
	if err != nil {
		sink.AddError(`registry:HKU`, stage, fmt.Errorf(`listing HKEY_USERS: %w`, err))
		return nil
	}
	for _, sid := range sids {
		for _, v := range userViews(profileUser(sid)) {
			p := sid + `\` + strings.Join(v.path, `\`)
			if err := readLiveView(ctx, registry.USERS, p, registry.WOW64_64KEY, v, sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLiveView reads one Uninstall key; only a cancelled context is returned.
func readLiveView(ctx context.Context, root registry.Key, path string, access uint32, v view, sink collect.Sink) error {
	where := "registry:" + v.source
	u, err := registry.OpenKey(root, path, registry.READ|access)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		sink.AddError(where, stage, fmt.Errorf("open %s: %w", v.source, err))
		return nil
	}
	defer u.Close()
	names, err := u.ReadSubKeyNames(maxSubkeys + 1)
	if err != nil {
		sink.AddError(where, stage, fmt.Errorf("list %s: %w", v.source, err))
	}
	if len(names) > maxSubkeys {
		names = names[:maxSubkeys]
		sink.AddError(where, stage, fmt.Errorf("%s: more than %d entries, the rest not read", v.source, maxSubkeys))
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := registry.OpenKey(u, name, registry.QUERY_VALUE|access)
		if err != nil {
			sink.AddError(where+`\`+name, stage, fmt.Errorf("open %s\\%s: %w", v.source, name, err))
			continue
		}
		if sw, ok := softwareFrom(liveKey{k: e, name: name}, v, name); ok {
			sink.AddSoftware(sw)
		}
		e.Close()
	}
	return nil
}

func keyExists(root registry.Key, path string, access uint32) bool {
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|access)
	if err != nil {
		return false
	}
	k.Close()
	return true
}
