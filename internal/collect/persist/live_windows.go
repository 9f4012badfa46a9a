//go:build windows

package persist

import (
	"context"
	"fmt"

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

const liveAccess = registry.READ | registry.WOW64_64KEY

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
	read := func(base registry.Key, path, where string, fn func(windows.RegKey) []error) {
		k, err := registry.OpenKey(base, path, liveAccess)
		if err != nil {
			sink.AddError(where, stage, fmt.Errorf("open %s: %w", where, err))
			return
		}
		key, closeKeys := windows.LiveKey(k, path, liveAccess)
		for _, err := range fn(key) {
			sink.AddError(where, stage, err)
		}
		closeKeys()
		k.Close()
	}
	read(registry.LOCAL_MACHINE, "SYSTEM", `registry:HKLM\SYSTEM`, func(k windows.RegKey) []error { return services(k, add) })
	read(registry.LOCAL_MACHINE, "SOFTWARE", `registry:HKLM\SOFTWARE`, func(k windows.RegKey) []error {
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
		read(registry.USERS, u.SID, `registry:HKU\`+u.SID, func(k windows.RegKey) []error {
			return runKeys(k, `registry:HKU\`+u.Name+`\`, u.Name, add)
		})
	}
	return nil
}

var _ collect.HostCollector = (*Live)(nil)
