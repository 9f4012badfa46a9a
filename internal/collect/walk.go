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
// keeps the number of pending directories, and so memory, small.
type dirQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	items   []string
	pending int // queued + being read
	closed  bool
}

func newDirQueue() *dirQueue {
	q := &dirQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *dirQueue) push(rel string) {
	q.mu.Lock()
	q.items = append(q.items, rel)
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

// pop blocks until a directory is available or the walk is over.
func (q *dirQueue) pop() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return "", false
	}
	rel := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return rel, true
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
	q.push(".")
	stopProgress := c.startProgress()
	defer stopProgress()

	var walkers, workers sync.WaitGroup
	for range max(2, c.opt.Workers) {
		walkers.Go(func() {
			for {
				rel, ok := q.pop()
				if !ok {
					return
				}
				if ctx.Err() == nil {
					c.readDir(ctx, rel, q, jobs)
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
func (c *collection) readDir(ctx context.Context, rel string, q *dirQueue, jobs chan<- fileJob) {
	c.dirs.Add(1)
	c.current.Store(&rel)
	root, err := c.src.OpenDir(rel)
	if err != nil {
		c.dirError(rel, err)
		return
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
			q.push(child)
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
			h.refs.Add(1)
			jobs <- fileJob{dir: h, rel: child, name: e.Name(), info: info}
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
