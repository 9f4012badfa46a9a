package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Skip reasons of the rule scan: the file was recorded and hashed, but
// the rules (YARA) did not run over it.
const (
	SkipRulesTooLarge = "rules-too-large"
	SkipRulesFailed   = "rules-failed"
)

// RuleScanner evaluates content rules (a YARA rule set) over a file's
// whole content. The engine reads each file it hands over once: the same
// buffer feeds the hashers, the scanner and the content collectors. Its
// results are cached with the file's other facts, keyed by Fingerprint.
type RuleScanner interface {
	// Fingerprint identifies the rule set (and whatever else changes its
	// results); records cached under another fingerprint are read again.
	Fingerprint() string
	// MaxSize is the largest file scanned; larger ones are recorded and
	// hashed as usual, and counted as SkipRulesTooLarge.
	MaxSize() int64
	// Scan evaluates the rules over data, the whole file. rec holds the
	// record's path, type and user for the rules' external variables. It
	// must bound its own time; an error is a per-file error.
	Scan(ctx context.Context, data []byte, rec *snapshot.File) ([]snapshot.YARAMatch, error)
}

// rulesVersion is what the rule scanner adds to the content version.
func rulesVersion(rs RuleScanner) string {
	if rs == nil {
		return ""
	}
	return ";rules/" + rs.Fingerprint()
}

// bigWhole is the size past which a file read whole for the rule scanner
// is read alone (one such buffer at a time), and its buffer dropped after.
const bigWhole = 32 << 20

// wantsRules reports whether the rule scanner runs over a file this size.
func (c *collection) wantsRules(rec *snapshot.File) bool {
	if c.opt.Rules == nil {
		return false
	}
	if rec.Size > c.opt.Rules.MaxSize() {
		c.skip(SkipRulesTooLarge)
		return false
	}
	return true
}

// readWholeAndScan reads f whole, once (head holds its first bytes,
// already read, the whole file when whole), and feeds that one buffer to
// the hashers, the rule scanner and the content collectors. It returns
// what readFile does.
func (c *collection) readWholeAndScan(ctx context.Context, rel string, f regularFile, head []byte, whole bool, rec *snapshot.File) (bool, []Problem) {
	data, release, err := c.readWhole(f, head, whole, rec.Size)
	if err != nil {
		c.fileError(rel, "read", err)
		return false, nil
	}
	defer release()
	rec.Size = int64(len(data)) // the digests and rules describe what was read
	r := bytes.NewReader(data)
	if d := c.firstDigests(rec.Type); d.Any() {
		hs := newHashers(d)
		hs.write(data)
		hs.fill(rec)
		c.hashed.Add(1)
		if err := c.hashMore(r, nil, rec); err != nil { // nil: buf may hold data
			c.fileError(rel, "hash", err)
			return false, nil
		}
	}
	c.bytes.Add(int64(len(data)))
	complete := c.scanRules(ctx, rel, data, rec)
	ok, probs := c.runContentCollectors(ctx, rel, r, rec)
	return ok && complete, probs
}

// scanRules runs the rule scanner; it reports whether the result may be
// cached (a timeout or cancellation is tried again by the next scan).
func (c *collection) scanRules(ctx context.Context, rel string, data []byte, rec *snapshot.File) bool {
	ms, err := c.safeRules(ctx, data, rec)
	if err != nil {
		c.AddError(rel, "yara", err)
		c.skip(SkipRulesFailed)
		return !isTransient(err)
	}
	rec.YARA = ms
	return true
}

func (c *collection) safeRules(ctx context.Context, data []byte, rec *snapshot.File) (ms []snapshot.YARAMatch, err error) {
	defer guard.Recover(&err, "yara scanner", rec.Path)
	return c.opt.Rules.Scan(ctx, data, rec)
}

// readWhole returns the file's content: head, then the rest of f up to
// its end. Files up to bigWhole bytes are read into a pooled buffer; a
// larger one waits for the one big slot and its buffer, so memory holds
// one big file at a time. release returns the buffer.
func (c *collection) readWhole(f io.Reader, head []byte, whole bool, size int64) ([]byte, func(), error) {
	if whole {
		return head, func() {}, nil
	}
	var data []byte
	var release func()
	if size > bigWhole {
		// The slot's holder owns bigBuf: big files reuse one buffer
		// instead of leaving one of their size behind as garbage each.
		c.bigSlot <- struct{}{}
		if int64(cap(c.bigBuf)) < size+1 {
			c.bigBuf = nil // let the old one go before the new one is made
			c.bigBuf = make([]byte, 0, size+1)
		}
		data = c.bigBuf[:0]
		release = func() { c.bigBuf = data[:0]; <-c.bigSlot }
	} else {
		bp := c.wholeBufs.Get().(*[]byte)
		if int64(cap(*bp)) < size+1 {
			*bp = make([]byte, 0, size+1)
		}
		data = (*bp)[:0]
		release = func() { *bp = data[:0]; c.wholeBufs.Put(bp) }
	}
	data = append(data, head...)
	for {
		if len(data) == cap(data) {
			if int64(len(data)) >= c.opt.Rules.MaxSize() {
				release()
				return nil, nil, fmt.Errorf("file grew past %d bytes while it was read", c.opt.Rules.MaxSize())
			}
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if errors.Is(err, io.EOF) {
			return data, release, nil
		}
		if err != nil {
			release()
			return nil, nil, err
		}
	}
}
