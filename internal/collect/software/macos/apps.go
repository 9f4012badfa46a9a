// Package macos inventories a macOS file tree: the app bundles under
// Applications/ and Users/<name>/Applications/, read from their Info.plist
// files, the installer package receipts under /private/var/db/receipts
// (which also date the bundles their packages installed), and what the
// tree records about the machine (OS release, host name).
package macos

import (
	"context"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Ecosystem is the snapshot ecosystem of app bundles.
const Ecosystem = "macos-app"

// AppCollector lists app bundles. The walk offers it each bundle's
// Contents/Info.plist; it does not look inside the bundle otherwise. A
// bundle an installer package put in place is dated by that package's
// receipt (see installedBy).
type AppCollector struct{ receipts receiptCache }

// NewAppCollector returns the app bundle collector.
func NewAppCollector() *AppCollector { return &AppCollector{} }

var _ collect.PathCollector = (*AppCollector)(nil)

// Name implements collect.PathCollector.
func (*AppCollector) Name() string { return "macos-apps" }

// WantsPath implements collect.PathCollector: string checks only.
func (*AppCollector) WantsPath(_ *collect.Env, rel string) bool {
	_, ok := bundleOf(rel)
	return ok
}

// infoPlist holds the Info.plist keys the inventory uses.
type infoPlist struct {
	DisplayName  text `plist:"CFBundleDisplayName"`
	Name         text `plist:"CFBundleName"`
	Identifier   text `plist:"CFBundleIdentifier"`
	ShortVersion text `plist:"CFBundleShortVersionString"`
	Version      text `plist:"CFBundleVersion"`
}

// CollectPath implements collect.PathCollector. A plist that cannot be
// read is recorded with sink.AddError and the scan goes on; only a
// cancelled context is returned as an error.
func (c *AppCollector) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bundle, ok := bundleOf(rel)
	if !ok {
		return nil
	}
	sw, err := readApp(env, bundle, rel)
	if err != nil {
		sink.AddError(rel, "parse:"+c.Name(), err)
		return nil
	}
	if env.OS == "macos" {
		dateFromReceipt(&sw, c.receipts.get(env))
	}
	sink.AddSoftware(sw)
	return nil
}

// readApp reads one bundle's Info.plist (rel) into a software record.
func readApp(env *collect.Env, bundle, rel string) (snapshot.Software, error) {
	data, err := readFile(env.FS, rel, maxPlist)
	if err != nil {
		return snapshot.Software{}, err
	}
	var info infoPlist
	if err := decodePlist(data, &info); err != nil {
		return snapshot.Software{}, fmt.Errorf("%s: %w", rel, err)
	}
	sw := snapshot.Software{
		Name:         firstOf(string(info.DisplayName), string(info.Name), bundleName(bundle)),
		Identifier:   string(info.Identifier),
		Version:      string(info.ShortVersion),
		BuildVersion: string(info.Version),
		Platform:     "macos",
		Ecosystem:    Ecosystem,
		Scope:        snapshot.ScopeMachine,
		Source:       "plist:" + env.Display(rel),
		InstallPath:  env.Display(bundle),
	}
	if user := collect.UserFromPath("macos", bundle); user != "" {
		sw.Scope, sw.User = snapshot.ScopeUser, user
	}
	return sw, nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
