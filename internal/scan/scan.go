// Package scan is the endpoint sweep: it opens each root as a source,
// collects its snapshot, and matches it against compiled intel. The caller
// (the CLI) chooses the collectors and the intel.
package scan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/sbom"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

// HostFacts names the machine an image holds.
type HostFacts struct {
	Name      string
	OSVersion string
}

// HostInfoFunc reads host facts from a tree of the given OS.
type HostInfoFunc func(fsys fs.FS) (HostFacts, error)

// Options configure a scan.
type Options struct {
	// Roots to scan; none means the live machine (unless SBOMs are given).
	Roots []string
	// SBOMs are documents made elsewhere (CycloneDX, SPDX, or a `cascade
	// inventory` file) to match besides the Roots, each becoming one
	// snapshot per subject (see package sbom). With SBOMs and no Roots,
	// the live machine is not scanned.
	SBOMs []string
	// OS overrides detection and forces image semantics.
	OS string
	// Collect is passed to every collection; its Digests are set from the
	// intel and its Cache from CacheFile.
	Collect collect.Options
	// CacheFile is the digest cache; "" disables it.
	CacheFile func(root string) string
	// HostInfo maps an OS to the function that names an image of it.
	HostInfo map[string]HostInfoFunc
	// LiveHost names the running machine.
	LiveHost func() snapshot.Host
	// CollectorVersion is written into snapshots ("cascade/<version>").
	CollectorVersion string
	// SkipPackageCaches leaves package managers' download caches out of a
	// live source (collect.PackageCaches, and CacheDirs): on a developer's
	// machine they hold other projects' test data. Images are walked in
	// full: they are evidence, and a cached download of a removed package
	// may be the only trace it was ever there.
	SkipPackageCaches bool
	// CacheDirs are further cache directories of the live machine (the
	// running user's GOMODCACHE, for instance), as host paths.
	CacheDirs []string
	// FullSnapshot keeps every file record (for --snapshot); otherwise a
	// scan keeps only the files that matched, when the intel allows it.
	// A full snapshot also records every digest the intel names (as
	// AllDigests does).
	FullSnapshot bool
	// AllDigests computes every digest type the intel names for every
	// file, instead of leaving out the SHA-1 and MD5 of files that no
	// indicator can match by them (see Digests).
	AllDigests bool
}

// Result is the outcome for one scanned root.
type Result struct {
	ScanID   string
	Snapshot *snapshot.Snapshot
	Findings []finding.Finding
	// Warnings are problems with the scan itself that did not stop it
	// (an unusable digest cache, for instance).
	Warnings []string
}

// Run scans every root and matches it with set. Roots that cannot be opened
// are errors; problems inside a root are in its snapshot.
func Run(ctx context.Context, set *match.Set, opt Options) ([]Result, error) {
	opt.Collect.Digests, opt.Collect.MoreDigests, opt.Collect.TypeDigests = Digests(set, opt.AllDigests || opt.FullSnapshot)
	return runRoots(ctx, set, opt)
}

// Digests chooses the digests a scan with set computes: those some
// indicator of every file needs; (byType) those only files of a type
// need, because the SHA-1 and MD5 indicators scoped to that type describe
// no other; and (more) those only the files with a given SHA-256 need,
// because the SHA-1 and MD5 indicators naming that file as their same
// file match nothing else. With all, every digest the intel names is
// computed for every file.
func Digests(set *match.Set, all bool) (every collect.Digests, more func(*snapshot.File) collect.Digests, byType func(fileType string) collect.Digests) {
	if all {
		return digests(set.AllNeeds()), nil, nil
	}
	if set.HasSiblings() {
		more = func(f *snapshot.File) collect.Digests { return digests(set.SiblingNeeds(f.SHA256)) }
	}
	if set.HasTypeNeeds() {
		byType = func(fileType string) collect.Digests { return digests(set.TypeNeeds(fileType)) }
	}
	return digests(set.Needs()), more, byType
}

func digests(n match.Needs) collect.Digests {
	return collect.Digests{SHA256: n.SHA256, SHA1: n.SHA1, MD5: n.MD5}
}

// Inventory collects snapshots without matching (no digests unless asked).
func Inventory(ctx context.Context, opt Options) ([]Result, error) {
	opt.FullSnapshot = true
	return runRoots(ctx, nil, opt)
}

// runRoots scans each root (the live machine when there are none) under
// one scan id.
func runRoots(ctx context.Context, set *match.Set, opt Options) ([]Result, error) {
	roots := opt.Roots
	if len(roots) == 0 && len(opt.SBOMs) == 0 {
		roots = []string{""}
	}
	scanID := newID()
	var results []Result
	for _, root := range roots {
		r, err := scanRoot(ctx, set, opt, root)
		if err != nil {
			return results, err
		}
		r.ScanID = scanID
		results = append(results, r)
	}
	for _, path := range opt.SBOMs {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		rs, err := scanSBOM(set, path)
		if err != nil {
			return results, err
		}
		for i := range rs {
			rs[i].ScanID = scanID
		}
		results = append(results, rs...)
	}
	return results, nil
}

// MaxSBOM bounds the size of one SBOM document read by a scan.
const MaxSBOM = 512 << 20

// scanSBOM reads one SBOM document and, when set is not nil, matches each
// snapshot it gives.
func scanSBOM(set *match.Set, path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSBOM+1))
	if err != nil {
		return nil, fmt.Errorf("sbom %s: %w", path, err)
	}
	if len(data) > MaxSBOM {
		return nil, fmt.Errorf("sbom %s: larger than %d MiB", path, MaxSBOM>>20)
	}
	snaps, err := sbom.Snapshots(path, data, sbom.Options{Now: time.Now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	out := make([]Result, 0, len(snaps))
	for _, snap := range snaps {
		if snap.ID == "" {
			snap.ID = newID()
		}
		if snap.Stats.Started.IsZero() {
			snap.Stats.Started = snap.Host.CollectedAt // the document's own date
		}
		r := Result{Snapshot: snap}
		if set != nil {
			r.Findings = set.Match(snap)
			addPatternProblems(snap, set.TakePatternProblems())
		}
		out = append(out, r)
	}
	return out, nil
}

// scanRoot collects one root and, when set is not nil, matches it.
func scanRoot(ctx context.Context, set *match.Set, opt Options, root string) (Result, error) {
	src, err := source.Open(root, source.Options{OS: opt.OS})
	if err != nil {
		return Result{}, err
	}
	defer src.Close()
	var res Result
	copt := opt.Collect
	if opt.SkipPackageCaches && src.Kind == source.Live {
		copt.DefaultExcludes = append(collect.PackageCaches(), opt.CacheDirs...)
	}
	cacheFile := ""
	if opt.CacheFile != nil {
		cacheFile = opt.CacheFile(src.Root)
	}
	if cacheFile != "" {
		c, err := collect.LoadCache(cacheFile)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%v; starting with an empty cache", err))
			c = collect.NewCache()
		}
		copt.Cache = c
	}
	if set != nil && !opt.FullSnapshot && !set.NeedsWholeSnapshot() {
		at := time.Now().UTC()
		copt.Keep = func(f *snapshot.File) bool { _, ok := set.FileFinding("", f, at); return ok }
	}
	snap, err := collect.Collect(ctx, src, copt)
	if err != nil {
		return Result{}, fmt.Errorf("scan %s: %w", src.Root, err)
	}
	snap.ID = newID()
	snap.Stats.FilesPartial = copt.Keep != nil
	snap.Host = hostFor(src, opt)
	snap.Host.CollectedAt = snap.Stats.Started
	if cacheFile != "" {
		if err := copt.Cache.Save(cacheFile); err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	res.Snapshot = snap
	if set != nil { // nil: an inventory, nothing to match
		res.Findings = set.Match(snap)
		addPatternProblems(snap, set.TakePatternProblems())
	}
	return res, nil
}

// hostFor names the host a source holds: the running machine for a live
// source, the imaged machine (from its own records) for an image.
func hostFor(src *source.Source, opt Options) snapshot.Host {
	var h snapshot.Host
	if src.Kind == source.Live && opt.LiveHost != nil {
		h = opt.LiveHost()
	}
	h.OS = src.OS
	h.Source = src.Kind
	h.Collector = opt.CollectorVersion
	if src.Kind == source.Image {
		if f := opt.HostInfo[src.OS]; f != nil {
			// Facts come back even with an error (a missing SYSTEM hive
			// must not lose the edition read from SOFTWARE); the records'
			// own problems are reported by their collectors.
			facts, _ := f(src.FS())
			h.Name, h.OSVersion = facts.Name, facts.OSVersion
		}
		if h.Name == "" {
			h.Name = src.Root
		}
		h.ID = "image:" + h.Name + ":" + src.Root
	} else if h.Arch == "" {
		h.Arch = runtime.GOARCH
	}
	return h
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
