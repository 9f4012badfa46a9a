package yara

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// TreeOptions control ScanTarget.
type TreeOptions struct {
	Recursive      bool
	FollowSymlinks bool  // follow links (inside the target tree only)
	Threads        int   // files scanned at once (at least 1)
	MaxFileSize    int64 // files larger are skipped (0: no limit)
	// Timeout bounds the scan of one file (0: none).
	Timeout time.Duration
}

// FileResult is the outcome for one file: a result or an error.
type FileResult struct {
	Path   string
	Result *Result
	Err    error
}

// ScanTarget scans a file, or the files of a directory (its whole tree
// with Recursive), calling report for each file, one call at a time; a
// result is only valid during the call (its Data buffer and its Matches
// table are reused).
// Files are opened through an os.Root on the target directory, so no
// path or symbolic link leads out of it (a link whose target leaves the
// tree, or is absolute, is skipped); links are followed only with
// FollowSymlinks, as yara does, except a link back to a directory being
// walked (a loop).
func (s *Scanner) ScanTarget(ctx context.Context, target string, o TreeOptions, report func(FileResult)) error {
	st, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("could not open file: %w", err)
	}
	if !st.IsDir() {
		f, err := os.Open(target)
		if err != nil {
			report(FileResult{Path: target, Err: errors.New("could not open file")})
			return nil
		}
		data, err := readInto(f, nil)
		if err != nil {
			report(FileResult{Path: target, Err: err})
			return nil
		}
		r := s.scanOne(ctx, target, data, o)
		report(r)
		s.recycle(r.Result)
		return nil
	}
	root, err := os.OpenRoot(target)
	if err != nil {
		return fmt.Errorf("open %s: %w", target, err)
	}
	defer root.Close()
	paths := make(chan string)
	threads := max(o.Threads, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex           // serializes report; a worker's buffer is reused after it returns
	big := make(chan []byte, 1) // the one big-file buffer, passed from worker to worker
	big <- nil
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for rel := range paths {
				var r FileResult
				var release func()
				r, buf, release = s.scanRel(ctx, root, target, rel, o, buf, big)
				mu.Lock()
				report(r)
				mu.Unlock()
				s.recycle(r.Result)
				if release != nil {
					release()
				}
			}
		}()
	}
	w := walker{root: root, o: o, seen: map[fileID]bool{}}
	w.walk(ctx, ".", paths)
	close(paths)
	wg.Wait()
	return ctx.Err()
}

// scanRel scans one file of the tree, reading it into buf (grown as
// needed and returned for the next file, so a worker holds one buffer
// rather than making garbage of every file). The result's Data is buf:
// it is valid until the next call.
//
// Files over bigFile bytes are scanned one at a time across workers, in
// one buffer that big hands from worker to worker (taking it is the
// semaphore; release, called once the result is reported, gives it
// back), so peak memory is the largest big file plus a small buffer per
// worker, and a tree of big files does not leave a big garbage buffer
// per file for the collector to catch up with.
func (s *Scanner) scanRel(ctx context.Context, root *os.Root, target, rel string, o TreeOptions, buf []byte, big chan []byte) (FileResult, []byte, func()) {
	path := filepath.Join(target, rel)
	f, err := root.Open(rel)
	if err != nil {
		return FileResult{Path: path, Err: errors.New("could not open file")}, buf, nil
	}
	st, err := f.Stat()
	if err == nil && o.MaxFileSize > 0 && st.Size() > o.MaxFileSize {
		f.Close()
		return FileResult{Path: path, Err: errSkipped}, buf, nil
	}
	if err == nil && st.Size() > bigFile {
		bb := <-big
		if int64(cap(bb)) <= st.Size() {
			bb = nil // let the collector have it before a bigger one is made
		}
		data, err := readInto(f, bb[:0])
		if data != nil {
			bb = data
		}
		release := func() { big <- bb }
		if err != nil {
			return FileResult{Path: path, Err: err}, buf, release
		}
		return s.scanOne(ctx, path, data, o), buf, release
	}
	data, err := readInto(f, buf[:0])
	if err != nil {
		return FileResult{Path: path, Err: err}, buf, nil
	}
	return s.scanOne(ctx, path, data, o), data, nil
}

// bigFile is the size past which a file is scanned alone.
const bigFile = 16 << 20

// errSkipped marks a file skipped by size; callers print nothing for it.
var errSkipped = errors.New("skipped: larger than the size limit")

// IsSkipped reports a file skipped on purpose rather than failed.
func IsSkipped(err error) bool { return errors.Is(err, errSkipped) }

func (s *Scanner) scanOne(ctx context.Context, path string, data []byte, o TreeOptions) FileResult {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	res, err := s.ScanBytes(ctx, data)
	return FileResult{Path: path, Result: res, Err: err}
}

// maxRead bounds the bytes read from one file.
const maxRead = 1 << 32

// readInto reads a regular file into buf's storage (grown to fit) and
// closes it.
func readInto(f *os.File, buf []byte) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("could not open file: not a regular file")
	}
	if want := min(st.Size()+1, maxRead); int64(cap(buf)) < want {
		buf = make([]byte, 0, want)
	}
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		if len(buf) == cap(buf) {
			if len(buf) >= maxRead {
				return nil, errors.New("file too large")
			}
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// maxWalkDepth bounds directory nesting, whatever links make of it.
const maxWalkDepth = 256

type fileID struct{ dev, ino uint64 }

type walker struct {
	root *os.Root
	o    TreeOptions
	seen map[fileID]bool // the directories on the current path
}

// walk sends the regular files under dir (a path relative to the root).
func (w *walker) walk(ctx context.Context, dir string, out chan<- string) {
	if ctx.Err() != nil || strings.Count(dir, string(filepath.Separator)) > maxWalkDepth {
		return
	}
	if id, ok := w.id(dir); ok {
		if w.seen[id] {
			return // a link back to an ancestor: a loop
		}
		w.seen[id] = true
		defer delete(w.seen, id)
	}
	entries, err := fs.ReadDir(w.root.FS(), dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rel := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			if !w.o.FollowSymlinks {
				continue
			}
			st, err := w.root.Stat(rel) // fails for links leaving the root
			if err != nil {
				continue
			}
			mode = st.Mode().Type()
		}
		switch {
		case mode.IsDir():
			if w.o.Recursive {
				w.walk(ctx, rel, out)
			}
		case mode.IsRegular():
			out <- rel
		}
	}
}
