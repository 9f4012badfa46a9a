package collect

import "github.com/cascade-ir/cascade/internal/snapshot"

// FilePinner is implemented by a Sink that can keep the record of a file
// in the snapshot whatever the Keep filter says: the image and modules of
// a running process, whose digests the live-state records need. A host
// collector pins files before the walk; the walk (or, for a file it left
// out, recordWanted) makes their records, reading each file once and
// using the digest cache. rel is relative to the root.
type FilePinner interface {
	PinFile(rel string)
}

// PinFile makes the collection a FilePinner.
func (c *collection) PinFile(rel string) {
	c.WantFile(rel)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pinned == nil {
		c.pinned = map[string]bool{}
	}
	if len(c.pinned) < maxWantedFiles {
		c.pinned[c.src.Display(rel)] = true
	}
}

// keepPinned widens the Keep filter to the pinned files. It runs once the
// host collectors are done, before the walk, so the map is only read from
// then on.
func (c *collection) keepPinned() {
	keep := c.opt.Keep
	if keep == nil || len(c.pinned) == 0 {
		return
	}
	pinned := c.pinned
	c.opt.Keep = func(f *snapshot.File) bool { return pinned[f.Path] || keep(f) }
}

// fillProcessDigests copies each process image's SHA-256 from its file
// record into the process record.
func (c *collection) fillProcessDigests() {
	if len(c.pinned) == 0 {
		return
	}
	byPath := make(map[string]string, len(c.pinned))
	for i := range c.files {
		if f := &c.files[i]; c.pinned[f.Path] && f.SHA256 != "" {
			byPath[f.Path] = f.SHA256
		}
	}
	for i := range c.artifacts {
		if p := c.artifacts[i].Process; p != nil && p.SHA256 == "" {
			p.SHA256 = byPath[p.Image]
		}
	}
}

// Skipper is implemented by a Sink that counts items left out by reason
// (in snapshot.Skipped): a host collector's processes that exited before
// they could be read.
type Skipper interface {
	AddSkipped(reason string, n int64)
}

// AddSkipped makes the collection a Skipper.
func (c *collection) AddSkipped(reason string, n int64) {
	c.mu.Lock()
	c.skipped[reason] += n
	c.mu.Unlock()
}
