package collect

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"
)

// dirHandle is an open directory shared by the file jobs found in it; it is
// closed when the last of them is done.
type dirHandle struct {
	root *os.Root
	refs atomic.Int32
}

func (d *dirHandle) release() {
	if d.refs.Add(-1) == 0 {
		d.root.Close()
	}
}

// fileJob is one regular file for a hashing worker.
type fileJob struct {
	dir  *dirHandle
	rel  string // slash path relative to the source root
	name string // base name
	info fs.FileInfo
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
	root *os.Root // nil: open from the source root
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
			it.root.Close()
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
			it.root.Close()
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
					it.root.Close()
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
		if root, err = c.src.OpenDir(rel); err != nil {
			c.dirError(rel, err)
			return
		}
	}
	h := &dirHandle{root: root}
	h.refs.Store(1)
	defer h.release()
	entries, err := readEntries(root)
	if err != nil {
		c.dirError(rel, err)
		// Entries read before the error are still walked.
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}
		child := path.Join(rel, e.Name())
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			c.skip(SkipSymlink)
		case t.IsDir():
			if reason := c.rules.skipDir(child, e.Name(), root); reason != "" {
				c.skip(reason)
				continue
			}
			item := dirItem{rel: child}
			if q.wantHandle() {
				if sub, err := root.OpenRoot(e.Name()); err == nil {
					item.root = sub
				}
			}
			q.push(item)
		case t.IsRegular():
			info, err := root.Lstat(e.Name())
			if err != nil {
				c.fileError(child, "walk", err)
				continue
			}
			if !info.Mode().IsRegular() { // replaced since the listing
				c.skip(SkipVanished)
				continue
			}
			c.seen.Add(1)
			if c.rules.excluded(child, e.Name()) {
				c.skip(SkipExcluded)
				continue
			}
			j := fileJob{dir: h, rel: child, name: e.Name(), info: info}
			if c.fromCache(ctx, j) {
				continue // unchanged since the last scan: nothing to read
			}
			h.refs.Add(1)
			jobs <- j
		default:
			c.skip(SkipSpecial)
		}
	}
}

// readEntries lists a directory unsorted (sorting is the snapshot's job).
func readEntries(root *os.Root) ([]fs.DirEntry, error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var all []fs.DirEntry
	for {
		batch, err := d.ReadDir(4096)
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
