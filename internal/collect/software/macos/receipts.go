package macos

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// ReceiptEcosystem is the snapshot ecosystem of installer package
// receipts.
const ReceiptEcosystem = "macos-pkg"

// receiptDirs are where the installer keeps a receipt per package; /var
// is a link to /private/var on a live system, and a copied tree may keep
// either.
var receiptDirs = []string{"private/var/db/receipts", "var/db/receipts"}

// maxReceipts bounds the receipts one source's index reads.
const maxReceipts = 10000

// receiptPlist holds the receipt keys the inventory uses. The plist
// library decodes a date only into a time.Time, so an InstallDate of
// another type makes the receipt unreadable (reported, not guessed).
type receiptPlist struct {
	Identifier text      `plist:"PackageIdentifier"`
	Version    text      `plist:"PackageVersion"`
	Prefix     text      `plist:"InstallPrefixPath"`
	Installed  time.Time `plist:"InstallDate"`
}

// receipt is one installer package receipt.
type receipt struct {
	id, version, prefix string
	installed           time.Time // zero when the receipt has none
}

// parseReceipt reads a receipt plist. One without a PackageIdentifier is
// an error: it names nothing.
func parseReceipt(data []byte) (receipt, error) {
	var p receiptPlist
	if err := decodePlist(data, &p); err != nil {
		return receipt{}, err
	}
	if p.Identifier == "" {
		return receipt{}, errors.New("receipt has no PackageIdentifier")
	}
	r := receipt{id: string(p.Identifier), version: string(p.Version), prefix: string(p.Prefix)}
	if !p.Installed.IsZero() {
		r.installed = p.Installed.UTC()
	}
	return r, nil
}

// isReceipt reports whether rel is a receipt plist: string checks only.
func isReceipt(rel string) bool {
	dir, base := path.Split(rel)
	if len(base) <= len(".plist") || !strings.EqualFold(path.Ext(base), ".plist") {
		return false
	}
	for _, d := range receiptDirs {
		if strings.EqualFold(strings.TrimSuffix(dir, "/"), d) {
			return true
		}
	}
	return false
}

// software is the receipt as a software record; rel is the receipt file.
func (r receipt) software(env *collect.Env, rel string) snapshot.Software {
	sw := snapshot.Software{Name: r.id, Identifier: r.id, Version: r.version, Platform: "macos",
		Ecosystem: ReceiptEcosystem, Scope: snapshot.ScopeMachine, Source: "receipt:" + env.Display(rel),
		InstallPath: r.prefix}
	if !r.installed.IsZero() {
		t := r.installed
		sw.InstallDate, sw.InstallDateFrom = &t, "receipt InstallDate"
	}
	return sw
}

// ReceiptCollector lists installer package receipts.
type ReceiptCollector struct{}

var _ collect.PathCollector = ReceiptCollector{}

// Name implements collect.PathCollector.
func (ReceiptCollector) Name() string { return "macos-receipts" }

// WantsPath implements collect.PathCollector.
func (ReceiptCollector) WantsPath(env *collect.Env, rel string) bool {
	return env.OS == "macos" && isReceipt(rel)
}

// CollectPath implements collect.PathCollector. An unreadable receipt is
// recorded with sink.AddError and the scan goes on.
func (c ReceiptCollector) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := readFile(env.FS, rel, maxPlist)
	if err != nil {
		sink.AddError(rel, "parse:"+c.Name(), err)
		return nil
	}
	r, err := parseReceipt(data)
	if err != nil {
		sink.AddError(rel, "parse:"+c.Name(), fmt.Errorf("%s: %w", rel, err))
		return nil
	}
	sink.AddSoftware(r.software(env, rel))
	return nil
}
