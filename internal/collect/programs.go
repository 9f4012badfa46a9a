package collect

import (
	"context"
	"io"
	"path"
	"slices"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// FileWanter is implemented by a Sink that can give a file named by a
// record a file record of its own: the program a persistence entry
// starts, which must be hashed (and its signature read) even when the
// walk left it out (an excluded tree, another file system, a scan that
// keeps only matching files). Path collectors type-assert their Sink to
// it; rel is relative to the root.
type FileWanter interface {
	WantFile(rel string)
}

// maxWantedFiles bounds the files WantFile may add to one collection.
const maxWantedFiles = 4096

// WantFile makes the collection a FileWanter.
func (c *collection) WantFile(rel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wanted == nil {
		c.wanted = map[string]bool{}
	}
	if len(c.wanted) < maxWantedFiles {
		c.wanted[rel] = true
	}
}

// recordWanted gives each wanted file without a record one, after the
// walk. A file the walk read is not read again when the digest cache has
// it (the walk put it there); without a cache, a wanted file that the
// walk read but the Keep filter dropped is read a second time (at most
// maxWantedFiles of them). Absent files are not an error: a persistence
// entry may name a program that is gone.
func (c *collection) recordWanted(ctx context.Context) {
	if len(c.wanted) == 0 {
		return
	}
	have := make(map[string]bool, len(c.files))
	for i := range c.files {
		have[c.files[i].Path] = true
	}
	rels := make([]string, 0, len(c.wanted))
	for rel := range c.wanted {
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	buf := make([]byte, readBufSize)
	for _, rel := range rels {
		if ctx.Err() != nil {
			return
		}
		if !have[c.src.Display(rel)] {
			c.recordOne(ctx, rel, buf)
		}
	}
}

func (c *collection) recordOne(ctx context.Context, rel string, buf []byte) {
	fi, err := c.src.Lstat(rel)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	rec := snapshot.File{Path: c.src.Display(rel), Size: fi.Size(), ModTime: fi.ModTime().UTC(),
		User: UserFromPath(c.src.OS, rel)}
	key, keyed := statKey(fi, rec.Path)
	if keyed && c.opt.Cache != nil {
		hit, _, ok := c.opt.Cache.GetWithProblems(key, c.opt.Digests, c.contentVersion)
		if ok && !c.missingDigests(&hit).Any() {
			hit.Path, hit.Size, hit.ModTime, hit.User = rec.Path, rec.Size, rec.ModTime, rec.User
			c.decorate(&hit)
			c.cached.Add(1)
			c.addFile(hit)
			return
		}
	}
	f, err := c.env.FS.Open(rel)
	if err != nil {
		c.fileError(rel, "open", err)
		return
	}
	defer f.Close()
	rf, ok := f.(interface {
		io.Reader
		io.ReaderAt
	})
	if !ok {
		return
	}
	n, whole, err := readHead(rf, buf, rec.Size)
	if err != nil {
		c.fileError(rel, "read", err)
		return
	}
	rec.Type = SniffName(path.Base(rel), buf[:min(n, SniffLen)], nil)
	complete := true
	var probs []Problem
	if rec.Size <= c.opt.MaxFileSize {
		if c.firstDigests(rec.Type).Any() {
			if err := c.hashFile(readerFile{rf}, buf[:n], whole, buf, &rec); err != nil {
				c.fileError(rel, "hash", err)
				return
			}
		}
		complete, probs = c.runContentCollectors(ctx, rel, rf, &rec)
	}
	if complete && keyed && c.opt.Cache != nil {
		c.opt.Cache.Put(key, rec, digestsOf(&rec), c.contentVersion, probs...)
	}
	c.decorate(&rec)
	c.addFile(rec)
}

// readerFile adapts an fs.File opened through the source to regularFile.
type readerFile struct {
	r interface {
		io.Reader
		io.ReaderAt
	}
}

func (f readerFile) Read(p []byte) (int, error)              { return f.r.Read(p) }
func (f readerFile) ReadAt(p []byte, off int64) (int, error) { return f.r.ReadAt(p, off) }
func (readerFile) Close() error                              { return nil }
func (readerFile) isRegular() (bool, error)                  { return true, nil }
