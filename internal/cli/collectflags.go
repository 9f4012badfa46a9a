package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/live"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/source"
)

// collectFlags are the flags scan and inventory share.
type collectFlags struct {
	os           string
	exclude      stringList
	crossFS      bool
	includeCloud bool
	maxSize      string
	workers      int
	cacheFile    string
	noCache      bool
	quiet        bool
	trustedRoots string
	allCaches    bool
	noLive       bool
	sboms        stringList
}

func (c *collectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.os, "os", "", "treat each ROOT as an image of this OS: windows, macos or linux (default: detect)")
	fs.Var(&c.exclude, "exclude", "skip paths matching this glob (repeatable); without a separator it matches a name, with one a full path")
	fs.BoolVar(&c.crossFS, "cross-fs", false, "enter other mounted file systems on a live scan (never network or pseudo file systems)")
	fs.BoolVar(&c.includeCloud, "include-cloud", false, "walk cloud-sync folders (OneDrive, Dropbox, iCloud…), which may download their files")
	fs.StringVar(&c.maxSize, "max-size", "1GiB", "files larger than this are listed but not hashed or parsed")
	fs.IntVar(&c.workers, "workers", 0, "hashing goroutines (default: number of CPUs)")
	fs.StringVar(&c.cacheFile, "cache", "", "digest cache file; it keeps the files of the last scan that wrote it (default: one per scanned root in the user cache directory)")
	fs.BoolVar(&c.noCache, "no-cache", false, "do not use or write the digest cache")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&c.allCaches, "no-default-excludes", false, "on a live scan, also walk package managers' download caches (Go module and build caches, npm, pip, cargo, Maven, Gradle, Yarn, pnpm), skipped by default and counted as package-cache")
	fs.BoolVar(&c.noLive, "no-live", false, "on a live scan, do not list running processes and open connections (images never get them)")
	fs.Var(&c.sboms, "sbom", "also take this CycloneDX or SPDX SBOM (JSON, XML or tag-value) or `cascade inventory` file as inventory, one snapshot per subject (repeatable); with --sbom and no ROOT the live machine is not scanned")
	fs.StringVar(&c.trustedRoots, "trusted-roots", "", "PEM bundle of root certificates code-signing chains are checked against (default: chains are reported, not verified)")
}

// options turns the flags into scan options (without intel).
func (c *collectFlags) options(e *env, roots []string) (scan.Options, error) {
	max, err := parseSize(c.maxSize)
	if err != nil {
		return scan.Options{}, usagef("--max-size: %v", err)
	}
	if c.workers < 0 {
		return scan.Options{}, usagef("--workers must be positive")
	}
	if c.os != "" && !source.ValidOS(c.os) {
		return scan.Options{}, usagef("unknown --os %q (want windows, macos or linux)", c.os)
	}
	for _, g := range c.exclude {
		if _, err := path.Match(filepath.ToSlash(g), "x"); err != nil {
			return scan.Options{}, usagef("--exclude %q: %v", g, err)
		}
	}
	opt := scan.Options{
		Roots: roots, SBOMs: c.sboms, OS: c.os,
		Collect: collect.Options{MaxFileSize: max, Exclude: c.exclude, CrossFS: c.crossFS,
			IncludeCloud: c.includeCloud, Workers: c.workers},
		HostInfo: hostInfo(), LiveHost: scan.LiveHost, CollectorVersion: "cascade/" + Version,
		SkipPackageCaches: !c.allCaches, CacheDirs: liveCacheDirs(e.getenv),
	}
	if err := addCollectors(&opt.Collect, c.trustedRoots); err != nil {
		return scan.Options{}, err
	}
	if !c.noLive {
		opt.Collect.HostCollectors = append(opt.Collect.HostCollectors, live.New())
	}
	if !c.quiet {
		opt.Collect.Progress = newProgress(e)
	}
	if !c.noCache {
		opt.CacheFile = c.cachePath
	}
	return opt, nil
}

// liveCacheDirs are the running user's package caches where the
// environment moves them from the defaults collect.PackageCaches knows.
func liveCacheDirs(getenv func(string) string) []string {
	var out []string
	add := func(dir string, sub ...string) {
		if !filepath.IsAbs(dir) || filepath.Dir(dir) == dir {
			return // unset, "off", relative, or a whole drive
		}
		out = append(out, filepath.Join(append([]string{dir}, sub...)...))
	}
	add(getenv("GOMODCACHE"))
	for _, p := range filepath.SplitList(getenv("GOPATH")) {
		add(p, "pkg", "mod")
	}
	add(getenv("GOCACHE"))
	add(getenv("npm_config_cache"), "_cacache")
	add(getenv("PIP_CACHE_DIR"))
	add(getenv("CARGO_HOME"), "registry")
	add(getenv("CARGO_HOME"), "git")
	add(getenv("GRADLE_USER_HOME"), "caches")
	add(getenv("YARN_CACHE_FOLDER"))
	return out
}

// cachePath is the digest cache for a root: the --cache file, or one file
// per root in the user's cache directory (never inside the scanned tree).
func (c *collectFlags) cachePath(root string) string {
	if c.cacheFile != "" {
		return c.cacheFile
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, "cascade", "digests-"+hex.EncodeToString(sum[:8])+".bin")
}

// parseSize reads sizes like 512MiB, 1GiB, 100MB, 4096.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range units {
		if strings.HasSuffix(u, x.suffix) {
			u, mult = strings.TrimSpace(strings.TrimSuffix(u, x.suffix)), x.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(u, &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
