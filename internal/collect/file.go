package collect

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"path"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

const readBufSize = 256 << 10

func (c *collection) newRecord(j fileJob) snapshot.File {
	rec := snapshot.File{
		Path:    c.src.Display(j.rel),
		Size:    j.meta.size,
		ModTime: j.meta.mtime.UTC(),
		User:    UserFromPath(c.src.OS, j.rel),
	}
	if knownBirth(j.meta.btime) {
		rec.BirthTime = j.meta.btime.UTC()
	}
	return rec
}

// knownBirth reports whether a filesystem's birth time says anything:
// some (image layers, filesystems restored from archives) report the Unix
// epoch, or earlier, for files whose birth they never kept, and that would
// date an exposure to 1970.
func knownBirth(t time.Time) bool { return !t.IsZero() && t.Unix() > 0 }

// fromCache returns a file's record from the digest cache when its
// identity is unchanged. The walker calls it inline, so a re-scan of an
// unchanged tree never hands a file to the hashing workers.
func (c *collection) fromCache(ctx context.Context, j fileJob) (snapshot.File, bool) {
	if c.opt.Cache == nil {
		return snapshot.File{}, false
	}
	if !j.meta.keyed {
		return snapshot.File{}, false
	}
	hit, probs, ok := c.opt.Cache.GetWithProblems(j.meta.key, c.opt.Digests, c.contentVersion)
	if !ok || c.missingDigests(&hit).Any() {
		// A cached file that now needs another digest is read again.
		return snapshot.File{}, false
	}
	for _, p := range probs { // the same report as the scan that read it
		c.AddError(j.rel, p.Stage, errors.New(p.Err))
	}
	rec := c.newRecord(j)
	hit.Path, hit.Size, hit.ModTime, hit.User = rec.Path, rec.Size, rec.ModTime, rec.User
	hit.BirthTime = rec.BirthTime // the walk's, like the mtime: never cached
	c.decorate(&hit)
	c.cached.Add(1)
	c.runPathCollectors(ctx, j.rel)
	return hit, true
}

// processFile records one regular file by reading it once, and caches what
// it learnt.
func (c *collection) processFile(ctx context.Context, j fileJob, buf []byte) {
	rec := c.newRecord(j)
	key, keyed := j.meta.key, j.meta.keyed
	complete, probs := c.readFile(ctx, j, &rec, buf)
	if complete && keyed && c.opt.Cache != nil {
		c.opt.Cache.Put(key, rec, digestsOf(&rec), c.contentVersion, probs...)
	}
	c.decorate(&rec) // after Put: decorations are never cached
	c.addFile(rec)
	c.runPathCollectors(ctx, j.rel)
}

// readFile fills rec's type, digests and content facts. It reports whether
// the record is complete (worth caching) and the content collectors'
// problems, which are recorded already and are cached with it.
func (c *collection) readFile(ctx context.Context, j fileJob, rec *snapshot.File, buf []byte) (bool, []Problem) {
	f, err := j.dir.dir.openFile(j.name)
	if err != nil {
		c.fileError(j.rel, "open", err)
		return false, nil
	}
	defer f.Close()
	if ok, err := f.isRegular(); err != nil || !ok {
		c.skip(SkipVanished) // replaced by something else since the listing
		return false, nil
	}
	n, whole, err := readHead(f, buf, rec.Size)
	if err != nil {
		c.fileError(j.rel, "read", err)
		return false, nil
	}
	head := buf[:min(n, SniffLen)]
	rec.Type = SniffName(j.name, head, nil)
	if rec.Type != snapshot.TypePE && farPE(f, head, rec.Size) {
		rec.Type = snapshot.TypePE
	}
	if rec.Type == snapshot.TypeOther && mayBeDMG(j.name, rec.Size) {
		tail := make([]byte, 512)
		if _, err := f.ReadAt(tail, rec.Size-512); err == nil {
			rec.Type = SniffName(j.name, head, tail)
		}
	}
	if rec.Size > c.opt.MaxFileSize {
		c.skip(SkipTooLarge)
		return false, nil
	}
	if c.wantsRules(rec) {
		return c.readWholeAndScan(ctx, j.rel, f, buf[:n], whole, rec)
	}
	if c.firstDigests(rec.Type).Any() {
		if err := c.hashFile(f, buf[:n], whole, buf, rec); err != nil {
			c.fileError(j.rel, "hash", err)
			return false, nil
		}
	}
	return c.runContentCollectors(ctx, j.rel, f, rec)
}

// wholeReadMax is the size under which a file is read in one call.
const wholeReadMax = 64 << 10

// readHead reads the start of f into buf: at least SniffLen bytes when the
// file has them, and the whole file in one call when it is small. A read
// of size+1 bytes that returns size bytes has met the end of the file, so
// a small file costs one read, not three (head, rest, end of file); one
// that grew or shrank since its stat is read on to its end by hashFile.
func readHead(f io.Reader, buf []byte, size int64) (n int, whole bool, err error) {
	if size < wholeReadMax && size < int64(len(buf)) {
		n, err = f.Read(buf[:size+1])
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if err != nil || int64(n) == size {
			return n, err == nil, err
		}
		if n >= SniffLen {
			return n, false, nil
		}
		// Grown, or a short read: top up the head as usual.
		m, err := io.ReadFull(f, buf[n:SniffLen])
		n += m
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = nil
		}
		return n, false, err
	}
	n, err = io.ReadFull(f, buf[:SniffLen])
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return n, false, err
}

// hashFile computes the selected digests over head (already read: the
// whole file when whole) and the rest of f, reading f exactly once. head
// may share buf's memory: it is hashed before buf is reused. The selected
// digests are those every file needs and those its type needs (the type
// is known before hashing); digests the record turns out to need beyond
// those (Options.MoreDigests) are computed in a second pass.
func (c *collection) hashFile(f regularFile, head []byte, whole bool, buf []byte, rec *snapshot.File) error {
	hs := newHashers(c.firstDigests(rec.Type))
	// Files are read into the worker's buffer, never mapped: hashing from a
	// buffer that stays in cache measured as fast as a mapping on one VM and
	// twice as fast on another, where every new mapping cost page-table
	// faults and TLB shootdowns (docs/design.md §8).
	hs.write(head)
	total := int64(len(head))
	for !whole {
		n, err := f.Read(buf)
		hs.write(buf[:n])
		total += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if total != rec.Size {
		// The file changed while we read it; the digests describe what was read.
		rec.Size = total
	}
	c.hashed.Add(1)
	c.bytes.Add(total)
	hs.fill(rec)
	return c.hashMore(f, buf, rec)
}

// hashMore computes the digests Options.MoreDigests asks for this record
// beyond those already in it (a file whose SHA-256 some MD5 indicator
// names as its same file), reading the file again. The SHA-256 is
// computed again with them, and a file that changed in between is an
// error: the new digests must describe the content the record's SHA-256
// does.
func (c *collection) hashMore(f io.ReaderAt, buf []byte, rec *snapshot.File) error {
	more := c.missingDigests(rec)
	if !more.Any() {
		return nil
	}
	more.SHA256 = rec.SHA256 != ""
	hs := newHashers(more)
	n, err := io.CopyBuffer(hs, io.NewSectionReader(f, 0, rec.Size+1), buf)
	if err != nil {
		return err
	}
	again := *rec
	hs.fill(&again)
	if n != rec.Size || again.SHA256 != rec.SHA256 {
		return errors.New("file changed while it was read")
	}
	*rec = again
	c.bytes.Add(n)
	return nil
}

// firstDigests are the digests a file of this type gets in its first
// read: Options.Digests and Options.TypeDigests.
func (c *collection) firstDigests(fileType string) Digests {
	if c.opt.TypeDigests == nil {
		return c.opt.Digests
	}
	return c.opt.Digests.or(c.opt.TypeDigests(fileType))
}

// missingDigests is what Options.TypeDigests and Options.MoreDigests ask
// for rec that rec lacks (a cached record lacking them is read again).
func (c *collection) missingDigests(rec *snapshot.File) Digests {
	var m Digests
	if c.opt.TypeDigests != nil {
		m = c.opt.TypeDigests(rec.Type)
	}
	if c.opt.MoreDigests != nil {
		m = m.or(c.opt.MoreDigests(rec))
	}
	return Digests{SHA256: m.SHA256 && rec.SHA256 == "", SHA1: m.SHA1 && rec.SHA1 == "", MD5: m.MD5 && rec.MD5 == ""}
}

// digestsOf says which digests a record holds.
func digestsOf(rec *snapshot.File) Digests {
	return Digests{SHA256: rec.SHA256 != "", SHA1: rec.SHA1 != "", MD5: rec.MD5 != ""}
}

// hashers computes selected digests in one pass. Each write goes to each
// digest in turn.
type hashers struct{ s256, s1, m5 hash.Hash }

func newHashers(d Digests) *hashers {
	var h hashers
	if d.SHA256 {
		h.s256 = sha256.New()
	}
	if d.SHA1 {
		h.s1 = sha1.New()
	}
	if d.MD5 {
		h.m5 = md5.New()
	}
	return &h
}

func (h *hashers) write(p []byte) {
	for _, x := range [...]hash.Hash{h.s256, h.s1, h.m5} {
		if x != nil {
			x.Write(p)
		}
	}
}

// Write makes hashers an io.Writer.
func (h *hashers) Write(p []byte) (int, error) { h.write(p); return len(p), nil }

// Hash reads r to its end and stores the digests d asks for in rec, as the
// walk does: the one hashing path for every reader of files.
func Hash(r io.Reader, d Digests, rec *snapshot.File) error {
	h := newHashers(d)
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	h.fill(rec)
	return nil
}

// fill stores the computed digests in rec.
func (h *hashers) fill(rec *snapshot.File) {
	if h.s256 != nil {
		rec.SHA256 = hex.EncodeToString(h.s256.Sum(nil))
	}
	if h.s1 != nil {
		rec.SHA1 = hex.EncodeToString(h.s1.Sum(nil))
	}
	if h.m5 != nil {
		rec.MD5 = hex.EncodeToString(h.m5.Sum(nil))
	}
}

// runContentCollectors offers the open file to every interested content
// collector, recovering from their panics. It reports whether the record
// is complete (no transient error) and what the collectors reported.
func (c *collection) runContentCollectors(ctx context.Context, rel string, f io.ReaderAt, rec *snapshot.File) (bool, []Problem) {
	ok := true
	var probs []Problem
	for _, cc := range c.opt.ContentCollectors {
		if !cc.WantsContent(rec) {
			continue
		}
		if err := safeContent(ctx, cc, f, rec); err != nil {
			c.AddError(rel, "parse:"+cc.Name(), err)
			ok = ok && !isTransient(err)
			probs = append(probs, Problem{Stage: "parse:" + cc.Name(), Err: err.Error()})
		}
	}
	return ok, probs
}

func safeContent(ctx context.Context, cc ContentCollector, r io.ReaderAt, rec *snapshot.File) (err error) {
	defer guard.Recover(&err, cc.Name()+" collector", rec.Path)
	return cc.CollectContent(ctx, r, rec)
}

// isTransient reports errors that a later scan may not see again (so the
// record is not cached).
func isTransient(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (c *collection) runPathCollectors(ctx context.Context, rel string) {
	var buf [8]PathCollector
	wanted := buf[:0]
	for _, pc := range c.opt.PathCollectors {
		if pc.WantsPath(c.env, rel) {
			wanted = append(wanted, pc)
		}
	}
	if len(wanted) > 1 { // they may share one parse of the file (Shared)
		ctx = WithSharedScope(ctx)
	}
	for _, pc := range wanted {
		if err := c.safePath(ctx, pc, rel); err != nil {
			c.AddError(rel, "parse:"+pc.Name(), err)
		}
	}
}

func (c *collection) safePath(ctx context.Context, pc PathCollector, rel string) (err error) {
	defer guard.Recover(&err, pc.Name()+" collector", rel)
	return pc.CollectPath(ctx, c.env, rel, c)
}

// farPE reports whether a file whose DOS header points beyond the sniffed
// head has the PE signature there, so that a file's type is PE exactly
// when its bytes are a PE image, wherever the header is: an indicator
// scoped to PE files relies on it.
func farPE(f io.ReaderAt, head []byte, size int64) bool {
	if len(head) < 0x40 || head[0] != 'M' || head[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(head[0x3c:]))
	if off+4 <= int64(len(head)) || off+4 > size {
		return false // in the head (Sniff decided) or past the end
	}
	sig := make([]byte, 4)
	if _, err := f.ReadAt(sig, off); err != nil {
		return false
	}
	return string(sig) == "PE\x00\x00"
}

// mayBeDMG limits the extra read of a file's last block (where a DMG keeps
// its "koly" trailer) to names and sizes a disk image can have.
func mayBeDMG(name string, size int64) bool {
	if size < 4096 {
		return false
	}
	ext := strings.ToLower(path.Ext(name))
	return ext == ".dmg" || ext == ".img" || ext == ".sparseimage" || size >= 1<<20
}

var scriptExt = map[string]bool{
	".ps1": true, ".psm1": true, ".bat": true, ".cmd": true, ".vbs": true, ".js": true,
	".jse": true, ".wsf": true, ".hta": true, ".sh": true, ".py": true, ".pl": true, ".rb": true,
	".applescript": true, ".scpt": true,
}

var msiExt = map[string]bool{".msi": true, ".msp": true, ".msm": true}

// SniffName refines Sniff with the file name where magic cannot decide:
// OLE files named like installers are MSI, text files with script
// extensions are scripts.
func SniffName(name string, head, tail []byte) string {
	t := Sniff(head, tail)
	ext := strings.ToLower(path.Ext(name))
	switch {
	case t == "ole" && msiExt[ext]:
		return snapshot.TypeMSI
	case t == snapshot.TypeOther && scriptExt[ext]:
		return snapshot.TypeScript
	}
	return t
}
