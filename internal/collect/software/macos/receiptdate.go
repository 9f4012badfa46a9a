package macos

import (
	"io/fs"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// receiptIndex is a source's dated receipts by lower-case package
// identifier.
type receiptIndex map[string][]receipt

// loadReceipts reads the source's receipts for dating app bundles. It
// lists the receipt folders itself, as HostInfo reads its files: the walk
// offers each receipt to ReceiptCollector in no set order, and a bundle
// may come first. Unreadable receipts are left out here; ReceiptCollector
// reports them.
func loadReceipts(fsys fs.FS) receiptIndex {
	ix := receiptIndex{}
	n := 0
	for _, dir := range receiptDirs {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			rel := dir + "/" + e.Name()
			if !e.Type().IsRegular() || !isReceipt(rel) {
				continue
			}
			if n++; n > maxReceipts {
				return ix
			}
			data, err := readFile(fsys, rel, maxPlist)
			if err != nil {
				continue
			}
			if r, err := parseReceipt(data); err == nil && !r.installed.IsZero() {
				k := strings.ToLower(r.id)
				ix[k] = append(ix[k], r)
			}
		}
	}
	return ix
}

// installedBy returns the receipt that dates the bundle with identifier
// id at installPath: a receipt whose PackageIdentifier is the bundle
// identifier (letter case aside) and whose InstallPrefixPath holds the
// bundle; the latest such, as a reinstall rewrites it. A receipt that
// merely shares a prefix (a vendor's helper package) does not date the
// app, nor does one installed elsewhere.
func (ix receiptIndex) installedBy(id, installPath string) (receipt, bool) {
	var best receipt
	found := false
	for _, r := range ix[strings.ToLower(id)] {
		if underPrefix(installPath, r.prefix) && (!found || r.installed.After(best.installed)) {
			best, found = r, true
		}
	}
	return best, found
}

// underPrefix reports whether the absolute slash path p lies under the
// receipt's install prefix ("/", "", "Applications", "/Applications/").
func underPrefix(p, prefix string) bool {
	prefix = strings.Trim(prefix, "/")
	p = strings.TrimPrefix(p, "/")
	if prefix == "" {
		return true
	}
	return strings.EqualFold(p, prefix) || len(p) > len(prefix) && p[len(prefix)] == '/' && strings.EqualFold(p[:len(prefix)], prefix)
}

// receiptCache keeps each source's receipt index for the app collector.
type receiptCache struct {
	mu    sync.Mutex
	bySrc map[*collect.Env]receiptIndex
}

// maxCachedSources bounds the indexes kept; a scan reads few sources.
const maxCachedSources = 8

func (c *receiptCache) get(env *collect.Env) receiptIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ix, ok := c.bySrc[env]; ok {
		return ix
	}
	if c.bySrc == nil || len(c.bySrc) >= maxCachedSources {
		c.bySrc = map[*collect.Env]receiptIndex{}
	}
	ix := loadReceipts(env.FS)
	c.bySrc[env] = ix
	return ix
}

// dateFromReceipt gives an app record its receipt's install date.
func dateFromReceipt(sw *snapshot.Software, ix receiptIndex) {
	if sw.Identifier == "" || sw.InstallDate != nil {
		return
	}
	r, ok := ix.installedBy(sw.Identifier, sw.InstallPath)
	if !ok {
		return
	}
	t := r.installed
	sw.InstallDate, sw.InstallDateFrom = &t, "receipt "+r.id+" InstallDate"
}
