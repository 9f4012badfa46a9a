//go:build windows

package reach

import (
	"context"
	"fmt"

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
		key, closeKeys := windows.LiveKey(root, "", registry.READ)
		for _, err := range fromHive(key, u.Name, sink.AddArtifact) {
			sink.AddError(where, stage, err)
		}
		closeKeys()
		root.Close()
	}
	return nil
}

var _ collect.HostCollector = (*Live)(nil)
