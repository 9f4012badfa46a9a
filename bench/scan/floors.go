package main

import (
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The floors below are the least work any scanner must do on this machine,
// done in this process with no other work: they bound what the ratio
// targets can reach here. A cold scan must at least read every byte and
// hash it; a re-scan that trusts a (device, inode, size, mtime, ctime) cache
// must at least list every directory and stat every entry.

// readHashFloor reads every regular file under dir with 256 KiB reads and
// SHA-256 hashes it, on n cores. The file list is made before the clock
// starts, so the walk is not counted. It returns the best of three runs,
// the bytes read and the least CPU time a run took.
func readHashFloor(dir string, n int) (float64, int64, float64) {
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	best, total, cpu := 0.0, int64(0), 0.0
	for range 3 {
		start, cpu0 := time.Now(), cpuTime()
		next := make(chan string, 256)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var sum int64
		for range n {
			wg.Go(func() {
				buf := make([]byte, 256<<10)
				h := sha256.New()
				var read int64
				for p := range next {
					f, err := os.Open(p)
					if err != nil {
						continue
					}
					h.Reset()
					k, _ := io.CopyBuffer(h, onlyReader{f}, buf)
					read += k
					h.Sum(nil)
					f.Close()
				}
				mu.Lock()
				sum += read
				mu.Unlock()
			})
		}
		for _, p := range files {
			next <- p
		}
		close(next)
		wg.Wait()
		if s := time.Since(start).Seconds(); best == 0 || s < best {
			best, total = s, sum
		}
		if c := cpuTime() - cpu0; cpu == 0 || c < cpu {
			cpu = c
		}
	}
	return best, total, cpu
}

// onlyReader hides *os.File's WriterTo, so io.CopyBuffer uses the buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// statFloor lists every directory under root and stats every entry (not
// following links) on n cores, the least a re-scan must do to learn that
// nothing changed. It returns the best of five runs, the entries seen and
// the least CPU time a run took.
func statFloor(root string, n int) (float64, int, float64) {
	best, seen, cpu := 0.0, 0, 0.0
	for range 5 {
		start, cpu0 := time.Now(), cpuTime()
		entries := walkStat(root, n)
		if s := time.Since(start).Seconds(); best == 0 || s < best {
			best, seen = s, entries
		}
		if c := cpuTime() - cpu0; cpu == 0 || c < cpu {
			cpu = c
		}
	}
	return best, seen, cpu
}

// walkStat is a parallel directory walk: n workers share a stack of
// directories still to list.
func walkStat(root string, n int) int {
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		stack   = []string{root}
		busy    int
		entries int
		wg      sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			count := 0
			for {
				mu.Lock()
				for len(stack) == 0 && busy > 0 {
					cond.Wait()
				}
				if len(stack) == 0 {
					entries += count
					mu.Unlock()
					cond.Broadcast()
					return
				}
				dir := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				busy++
				mu.Unlock()

				subdirs, k := statDir(dir)
				count += k

				mu.Lock()
				stack = append(stack, subdirs...)
				busy--
				mu.Unlock()
				cond.Broadcast()
			}
		})
	}
	wg.Wait()
	return entries
}
