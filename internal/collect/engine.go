package collect

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

// Skip reasons, counted in snapshot.Skipped.
const (
	SkipSymlink      = "symlink"
	SkipSpecial      = "special-file"
	SkipExcluded     = "excluded"
	SkipOtherFS      = "other-filesystem"
	SkipNetworkFS    = "network-filesystem"
	SkipPseudoFS     = "pseudo-filesystem"
	SkipCloudSync    = "cloud-sync-folder"
	SkipTooLarge     = "too-large"
	SkipDenied       = "permission-denied"
	SkipUnreadable   = "unreadable"
	SkipVanished     = "vanished"
	SkipErrorsCapped = "errors-not-listed"
)

// Digests selects which file digests to compute.
type Digests struct{ SHA256, SHA1, MD5 bool }

// Any reports whether any digest is selected.
func (d Digests) Any() bool { return d.SHA256 || d.SHA1 || d.MD5 }

// or returns the digests either d or e selects.
func (d Digests) or(e Digests) Digests {
	return Digests{SHA256: d.SHA256 || e.SHA256, SHA1: d.SHA1 || e.SHA1, MD5: d.MD5 || e.MD5}
}

// Covers reports whether have includes every digest d asks for.
func (d Digests) Covers(have Digests) bool {
	return (!d.SHA256 || have.SHA256) && (!d.SHA1 || have.SHA1) && (!d.MD5 || have.MD5)
}

// Progress receives the collection's running totals from time to time.
type Progress interface {
	Update(s snapshot.Stats, currentDir string)
}

// Options control a collection.
type Options struct {
	// Digests are computed for every file.
	Digests Digests
	// MoreDigests, when set, is asked for each record once its Digests
	// are known and returns digests that file needs as well; the file is
	// read again for them. A scan sets it so that an MD5 indicator whose
	// source gives its file's SHA-256 costs an MD5 of that file only.
	MoreDigests func(*snapshot.File) Digests
	// TypeDigests, when set, returns digests files of a type need beyond
	// Digests. A file's type is sniffed before it is hashed, so they are
	// computed in the same read. A scan sets it so that an MD5 indicator
	// whose source says the file is a PE costs an MD5 of PE files only.
	TypeDigests func(fileType string) Digests
	// MaxFileSize: larger files are recorded (path, size, type) but not
	// hashed or parsed; 0 means the default, 1 GiB.
	MaxFileSize int64
	// Exclude are glob patterns: without a separator they match a base
	// name; with one, a display path (and everything under it).
	Exclude []string
	// CrossFS lets a live walk enter other mounted file systems (never
	// network or pseudo file systems).
	CrossFS bool
	// DefaultExcludes are display-path globs of trees left out unless the
	// user asks for them (package managers' caches, see PackageCaches),
	// counted as SkipPackageCache.
	DefaultExcludes []string
	// IncludeCloud walks cloud-sync folders (OneDrive, Dropbox, iCloud …),
	// skipped by default because reading them can download their content.
	IncludeCloud bool
	// Workers is the number of hashing goroutines; 0 means GOMAXPROCS.
	Workers int
	// Cache, when set, supplies and records file facts by stat identity.
	Cache *Cache

	PathCollectors    []PathCollector
	ContentCollectors []ContentCollector
	HostCollectors    []HostCollector

	Progress Progress
	// MaxErrors caps the per-path errors kept in the snapshot; the rest are
	// counted. 0 means 10,000.
	MaxErrors int
	// Rules, when set, is evaluated over the whole content of every file
	// up to its MaxSize, read once with the hashing (see RuleScanner).
	Rules RuleScanner
	// Keep, when set, decides which file records the snapshot retains
	// (Stats still count every file). A scan that only needs the files
	// that matched sets it, so memory stays flat however many files a
	// machine has.
	Keep func(*snapshot.File) bool
}

const defaultMaxFileSize = 1 << 30

// Collect walks src once and returns its snapshot. Per-file problems land in
// the snapshot; only setup errors and cancellation return an error.
func Collect(ctx context.Context, src *source.Source, opt Options) (*snapshot.Snapshot, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = defaultMaxFileSize
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 10000
	}
	tmp, err := os.MkdirTemp("", "cascade-collect-")
	if err != nil {
		return nil, fmt.Errorf("collect: scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	c := newCollection(src, opt, tmp)
	if err := c.compileExcludes(); err != nil {
		return nil, err
	}
	for _, hc := range opt.HostCollectors {
		c.runHostCollector(ctx, hc)
	}
	c.keepPinned()
	c.forSource(ctx)
	if err := c.walk(ctx); err != nil {
		return nil, err
	}
	c.finishPaths(ctx)
	c.recordWanted(ctx)
	return c.finish(), nil
}

// collection is the state of one Collect call.
type collection struct {
	src            *source.Source
	opt            Options
	env            *Env
	rules          skipRules
	contentVersion string
	decorators     []func(*snapshot.File) // SourceDecorator functions
	top            dirFD                  // the walk's root directory
	display        func(string) string    // src.Display, bound once

	started                           time.Time
	dirs, seen, hashed, cached, bytes atomic.Int64
	current                           atomic.Pointer[string]

	mu        sync.Mutex
	files     []snapshot.File
	software  []snapshot.Software
	artifacts []snapshot.Artifact
	errors    []snapshot.PathError
	skipped   map[string]int64
	// anomalies found by path collectors about other files, by display
	// path; attached to those files' records when the walk is done.
	anomalies map[string]*pendingAnomalies
	// wanted are files path collectors asked a record of (FileWanter).
	wanted map[string]bool
	// pinned are display paths whose records Keep may not drop (FilePinner).
	pinned map[string]bool
	// wholeBufs and bigSlot hold the buffers files are read into whole
	// for the rule scanner (see readWhole).
	wholeBufs sync.Pool
	bigSlot   chan struct{}
	bigBuf    []byte // used by the holder of bigSlot
}

func newCollection(src *source.Source, opt Options, tmp string) *collection {
	now := time.Now().UTC()
	c := &collection{src: src, opt: opt, started: now, skipped: map[string]int64{}, display: src.Display}
	c.env = &Env{FS: src.FS(), OS: src.OS, Live: src.Kind == source.Live, Display: src.Display,
		TempDir: tmp, Now: now}
	c.contentVersion = ContentVersion(opt.ContentCollectors) + rulesVersion(opt.Rules)
	c.wholeBufs.New = func() any { return new([]byte) }
	c.bigSlot = make(chan struct{}, 1)
	if opt.Cache != nil && opt.Keep == nil {
		// A re-scan sees about as many files as the cache holds.
		c.files = make([]snapshot.File, 0, opt.Cache.Len()+opt.Cache.Len()/8)
	}
	return c
}

// ContentVersion identifies the set of content collectors, so cached facts
// from another set are collected again.
func ContentVersion(cs []ContentCollector) string {
	v := "sniff/2" // 2: a PE header beyond the sniffed head is read
	for _, cc := range cs {
		v += ";" + cc.Name() + "/" + cc.Version()
	}
	return v
}

func (c *collection) skip(reason string) {
	c.mu.Lock()
	c.skipped[reason]++
	c.mu.Unlock()
}

// AddSoftware, AddArtifact and AddError make the collection a Sink.
func (c *collection) AddSoftware(s snapshot.Software) {
	c.mu.Lock()
	c.software = append(c.software, s)
	c.mu.Unlock()
}

func (c *collection) AddArtifact(a snapshot.Artifact) {
	c.mu.Lock()
	c.artifacts = append(c.artifacts, a)
	c.mu.Unlock()
}

func (c *collection) AddError(rel, stage string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errors) >= c.opt.MaxErrors {
		c.skipped[SkipErrorsCapped]++
		return
	}
	c.errors = append(c.errors, snapshot.PathError{Path: c.src.Display(rel), Stage: stage, Err: err.Error()})
}

// AddAnomaly makes the collection an AnomalySink.
func (c *collection) AddAnomaly(rel string, a snapshot.Anomaly) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.anomalies == nil {
		c.anomalies = map[string]*pendingAnomalies{}
	}
	p := c.src.Display(rel)
	if c.anomalies[p] == nil {
		c.anomalies[p] = &pendingAnomalies{rel: rel}
	}
	c.anomalies[p].list = append(c.anomalies[p].list, a)
}

type pendingAnomalies struct {
	rel  string
	list []snapshot.Anomaly
}

// attachAnomalies adds the anomalies path collectors reported about other
// files to those files' records. A record the Keep filter dropped (it had
// matched nothing then) is rebuilt from a fresh lstat, without digests.
func (c *collection) attachAnomalies() {
	if len(c.anomalies) == 0 {
		return
	}
	for i := range c.files {
		if pa, ok := c.anomalies[c.files[i].Path]; ok {
			c.files[i].Anomalies = append(c.files[i].Anomalies, pa.list...)
			delete(c.anomalies, c.files[i].Path)
		}
	}
	for p, pa := range c.anomalies {
		fi, err := c.src.Lstat(pa.rel)
		if err != nil || !fi.Mode().IsRegular() {
			for _, a := range pa.list {
				c.errors = append(c.errors, snapshot.PathError{Path: p, Stage: "anomaly",
					Err: "no such file for anomaly " + a.Kind + ": " + a.Detail})
			}
			continue
		}
		c.files = append(c.files, snapshot.File{Path: p, Size: fi.Size(), ModTime: fi.ModTime().UTC(),
			Type: c.sniffRel(pa.rel), User: UserFromPath(c.src.OS, pa.rel), Anomalies: pa.list})
	}
}

// sniffRel types a file by its first bytes, read through the source.
func (c *collection) sniffRel(rel string) string {
	f, err := c.env.FS.Open(rel)
	if err != nil {
		return snapshot.TypeOther
	}
	defer f.Close()
	head := make([]byte, SniffLen)
	n, _ := io.ReadFull(f, head)
	return SniffName(path.Base(rel), head[:n], nil)
}

// forSource lets each SourceDecorator choose its collector for this source
// and its record decoration; the content version follows the choice.
func (c *collection) forSource(ctx context.Context) {
	ccs := slices.Clone(c.opt.ContentCollectors) // the caller's slice stays as it was
	for i, cc := range ccs {
		sd, ok := cc.(SourceDecorator)
		if !ok {
			continue
		}
		use, f := sd.ForSource(ctx, c.env, c)
		if use != nil {
			ccs[i] = use
		}
		if f != nil {
			c.decorators = append(c.decorators, f)
		}
	}
	c.opt.ContentCollectors = ccs
	c.contentVersion = ContentVersion(ccs) + rulesVersion(c.opt.Rules)
}

// decorate applies the source decorators to a record.
func (c *collection) decorate(f *snapshot.File) {
	for _, d := range c.decorators {
		d(f)
	}
}

func (c *collection) addFile(f snapshot.File) {
	if c.opt.Keep != nil && !c.opt.Keep(&f) {
		return
	}
	c.mu.Lock()
	c.files = append(c.files, f)
	c.mu.Unlock()
}

// addFiles adds records that were already offered to Keep.
func (c *collection) addFiles(fs []snapshot.File) {
	if len(fs) == 0 {
		return
	}
	c.mu.Lock()
	c.files = append(c.files, fs...)
	c.mu.Unlock()
}

func (c *collection) runHostCollector(ctx context.Context, hc HostCollector) {
	if err := c.safeHost(ctx, hc); err != nil {
		c.AddError("", "host:"+hc.Name(), err)
	}
}

func (c *collection) safeHost(ctx context.Context, hc HostCollector) (err error) {
	defer guard.Recover(&err, hc.Name()+" collector", "host")
	return hc.CollectHost(ctx, c.env, c)
}

func (c *collection) stats() snapshot.Stats {
	return snapshot.Stats{Started: c.started, DurationMS: time.Since(c.started).Milliseconds(),
		Dirs: c.dirs.Load(), FilesSeen: c.seen.Load(), FilesHashed: c.hashed.Load(),
		FilesCached: c.cached.Load(), BytesHashed: c.bytes.Load()}
}

func (c *collection) finish() *snapshot.Snapshot {
	c.attachAnomalies() // before sorting: it may add records
	c.fillProcessDigests()
	sortFiles(c.files)
	slices.SortStableFunc(c.software, func(a, b snapshot.Software) int {
		return strings.Compare(a.Name+"\x00"+a.Version+"\x00"+a.Source, b.Name+"\x00"+b.Version+"\x00"+b.Source)
	})
	slices.SortStableFunc(c.artifacts, func(a, b snapshot.Artifact) int {
		return strings.Compare(a.Source+"\x00"+a.Kind+"\x00"+a.URL+a.Domain, b.Source+"\x00"+b.Kind+"\x00"+b.URL+b.Domain)
	})
	slices.SortFunc(c.errors, func(a, b snapshot.PathError) int { return strings.Compare(a.Path, b.Path) })
	return &snapshot.Snapshot{
		Schema: snapshot.Schema, Roots: []string{c.src.Root},
		Software: nonNil(c.software), Files: nonNil(c.files), Artifacts: nonNil(c.artifacts),
		Stats: c.stats(), Skipped: c.skipped, Errors: c.errors,
	}
}

// sortFiles orders records by path. It sorts a permutation of indexes
// (records are hundreds of bytes; swapping them dominated), the two halves
// on two cores, and moves each record once.
func sortFiles(fs []snapshot.File) {
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	byPath := func(a, b int32) int { return strings.Compare(fs[a].Path, fs[b].Path) }
	mid := len(idx) / 2
	if len(idx) < 4096 {
		slices.SortFunc(idx, byPath)
	} else {
		var wg sync.WaitGroup
		wg.Go(func() { slices.SortFunc(idx[:mid], byPath) })
		slices.SortFunc(idx[mid:], byPath)
		wg.Wait()
		idx = mergeIdx(idx[:mid], idx[mid:], byPath)
	}
	sorted := make([]snapshot.File, len(fs))
	for i, k := range idx {
		sorted[i] = fs[k]
	}
	copy(fs, sorted)
}

func mergeIdx(a, b []int32, cmp func(a, b int32) int) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
