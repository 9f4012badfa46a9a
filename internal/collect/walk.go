package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// dirHandle is an open directory shared by the file jobs found in it; it is
// closed when the last of them is done.
type dirHandle struct {
	dir  dirFD
	refs atomic.Int32
}

func (d *dirHandle) release() {
	if d.refs.Add(-1) == 0 {
		d.dir.close()
	}
}

// fileJob is one regular file for a hashing worker.
type fileJob struct {
	dir  *dirHandle
	rel  string // slash path relative to the source root
	name string // base name
	meta fileMeta
}

// dirQueue is an unbounded LIFO of directories to read. Depth-first order
// keeps the number of pending directories, and so memory, small. The first
// maxQueuedHandles queued directories carry an open handle (opened relative
// to their parent, one system call); the rest are re-opened from the root
// when their turn comes, so the walk never holds many descriptors.
type dirQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	items   []dirItem
	handles int // items holding an open root
	pending int // queued + being read
	closed  bool
}

type dirItem struct {
	rel  string
	root dirFD // nil: open from the walk's root
}

const maxQueuedHandles = 64

func newDirQueue() *dirQueue {
	q := &dirQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *dirQueue) push(it dirItem) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		if it.root != nil {
			it.root.close()
		}
		return
	}
	q.items = append(q.items, it)
	if it.root != nil {
		q.handles++
	}
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

// wantHandle reports whether a newly found directory should be queued with
// an open handle.
func (q *dirQueue) wantHandle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.handles < maxQueuedHandles
}

// pop blocks until a directory is available or the walk is over.
func (q *dirQueue) pop() (dirItem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return dirItem{}, false
	}
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	if it.root != nil {
		q.handles--
	}
	return it, true
}

// done marks one directory read; the last one ends the walk.
func (q *dirQueue) done() {
	q.mu.Lock()
	q.pending--
	if q.pending == 0 {
		q.closed = true
		q.cond.Broadcast()
	}
	q.mu.Unlock()
}

func (q *dirQueue) abort() {
	q.mu.Lock()
	q.closed = true
	for _, it := range q.items {
		if it.root != nil {
			it.root.close()
		}
	}
	q.items = nil
	q.mu.Unlock()
	q.cond.Broadcast()
}

// walk reads every directory under the root and feeds regular files to
// the hashing workers.
func (c *collection) walk(ctx context.Context) error {
	if err := c.rules.init(c); err != nil {
		return err
	}
	top, err := openTop(c.src.Root)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	c.top = top
	defer top.close()
	jobs := make(chan fileJob, 1024)
	q := newDirQueue()
	q.push(dirItem{rel: "."})
	stopProgress := c.startProgress()
	defer stopProgress()

	var walkers, workers sync.WaitGroup
	for range max(2, c.opt.Workers) {
		walkers.Go(func() {
			for {
				it, ok := q.pop()
				if !ok {
					return
				}
				if ctx.Err() == nil {
					c.readDir(ctx, it, q, jobs)
				} else if it.root != nil {
					it.root.close()
				}
				q.done()
			}
		})
	}
	for range c.opt.Workers {
		workers.Go(func() {
			buf := make([]byte, readBufSize)
			for j := range jobs {
				if ctx.Err() == nil {
					c.processFile(ctx, j, buf)
				}
				j.dir.release()
			}
		})
	}
	stop := context.AfterFunc(ctx, q.abort)
	walkers.Wait()
	stop()
	close(jobs)
	workers.Wait()
	return ctx.Err()
}

// readDir lists one directory, queueing sub-directories and sending files.
func (c *collection) readDir(ctx context.Context, it dirItem, q *dirQueue, jobs chan<- fileJob) {
	rel := it.rel
	c.dirs.Add(1)
	c.current.Store(&rel)
	root := it.root
	if root == nil {
		var err error
		if root, err = c.openRel(rel); err != nil {
			c.dirError(rel, err)
			return
		}
	}
	h := &dirHandle{dir: root}
	h.refs.Store(1)
	defer h.release()
	names, err := root.names()
	if err != nil {
		c.dirError(rel, err)
		// Names read before the error are still walked.
	}
	// Records served from the cache are gathered per directory and added
	// at once. When only some records are kept, they are filtered here, so
	// an unchanged tree costs no per-file allocation for the list.
	var cached []snapshot.File
	if c.opt.Cache != nil && c.opt.Keep == nil {
		cached = make([]snapshot.File, 0, len(names))
	}
	defer func() { c.addFiles(cached) }()
	for _, name := range names {
		if ctx.Err() != nil {
			return
		}
		child := joinRel(rel, name)
		// One lstat per entry: the listing's d_type is not trusted (file
		// systems without it make ReadDir stat every entry itself), and
		// files need the stat for their cache key anyway.
		meta, err := root.lstat(name, child, c.display)
		if err != nil {
			c.fileError(child, "walk", err)
			continue
		}
		switch m := meta.mode; {
		case m&fs.ModeSymlink != 0:
			c.skip(SkipSymlink)
		case m.IsDir():
			if reason := c.rules.skipDir(child, name, meta, root); reason != "" {
				c.skip(reason)
				continue
			}
			item := dirItem{rel: child}
			if q.wantHandle() {
				if sub, err := root.openDir(name); err == nil {
					item.root = sub
				}
			}
			q.push(item)
		case m.IsRegular():
			c.seen.Add(1)
			if c.rules.excluded(child, name) {
				c.skip(SkipExcluded)
				continue
			}
			j := fileJob{dir: h, rel: child, name: name, meta: meta}
			if rec, ok := c.fromCache(ctx, j); ok {
				// Unchanged since the last scan: nothing to read.
				if c.opt.Keep == nil || c.opt.Keep(&rec) {
					cached = append(cached, rec)
				}
				continue
			}
			h.refs.Add(1)
			jobs <- j
		default:
			c.skip(SkipSpecial)
		}
	}
}

// joinRel joins a clean relative directory and an entry name.
func joinRel(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// openRel opens a directory below the walk's root one component at a
// time, never following a link.
func (c *collection) openRel(rel string) (dirFD, error) {
	d, err := c.top.openDir(".")
	if rel == "." || err != nil {
		return d, err
	}
	for _, comp := range strings.Split(rel, "/") {
		sub, err := d.openDir(comp)
		d.close()
		if err != nil {
			return nil, err
		}
		d = sub
	}
	return d, nil
}

// readNames lists a directory's entry names, unsorted (sorting is the
// snapshot's job).
func readNames(root *os.Root) ([]string, error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var all []string
	for {
		batch, err := d.Readdirnames(4096)
		all = append(all, batch...)
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
	}
}

func (c *collection) dirError(rel string, err error) {
	if errors.Is(err, fs.ErrPermission) {
		c.skip(SkipDenied)
	}
	c.AddError(rel, "walk", err)
}

func (c *collection) fileError(rel, stage string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.skip(SkipVanished)
		return
	case errors.Is(err, fs.ErrPermission):
		c.skip(SkipDenied)
	default:
		c.skip(SkipUnreadable)
	}
	c.AddError(rel, stage, err)
}

// startProgress reports totals every 200 ms until the returned func runs.
func (c *collection) startProgress() func() {
	if c.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				cur := ""
				if p := c.current.Load(); p != nil {
					cur = c.src.Display(*p)
				}
				c.opt.Progress.Update(c.stats(), cur)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
