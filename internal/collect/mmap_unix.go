//go:build linux || darwin

package collect

import (
	"errors"
	"fmt"
	"hash"
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// mmapMin is the size from which hashing maps the file instead of reading
// it: the saved copy from the page cache outweighs the mapping's cost.
const mmapMin = 64 << 10

// errChangedWhileMapped reports a file truncated while it was being hashed.
var errChangedWhileMapped = errors.New("file shrank while it was read")

// hashMapped hashes the whole file from a read-only mapping. It reports
// false (and no error) when the file cannot be mapped, so the caller reads
// it instead. A file truncated meanwhile makes the mapping fault: the fault
// becomes an error for this file, not a crash.
func hashMapped(f regularFile, size int64, hs []hash.Hash) (mapped bool, err error) {
	if size < mmapMin {
		return false, nil
	}
	fd := f.mapFD()
	if fd < 0 {
		return false, nil
	}
	var cur []byte // the window mapped now, unmapped on every exit
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if cur != nil {
			unix.Munmap(cur)
		}
		if r := recover(); r != nil {
			mapped, err = true, fmt.Errorf("%w: %v", errChangedWhileMapped, r)
		}
	}()
	// Map a window at a time, so a worker never holds more than mmapWindow
	// of the file resident.
	for off := int64(0); off < size; off += mmapWindow {
		n := int(min(mmapWindow, size-off))
		data, err := unix.Mmap(fd, off, n, unix.PROT_READ, mmapFlags)
		if err != nil {
			if off == 0 {
				return false, nil // not mappable: the caller reads instead
			}
			return true, fmt.Errorf("map at %d: %w", off, err)
		}
		cur = data
		if mmapFlags&mapPopulate == 0 {
			unix.Madvise(data, unix.MADV_SEQUENTIAL) // already resident when populated
		}
		hashChunks(data, hs)
		unix.Munmap(data)
		cur = nil
	}
	return true, nil
}

// mmapWindow is the largest part of a file mapped at once (a multiple of
// every page size in use).
const mmapWindow = 4 << 20

func hashChunks(data []byte, hs []hash.Hash) {
	const chunk = 256 << 10 // hashers share a chunk while it is in cache
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		for _, h := range hs {
			h.Write(data[off:end])
		}
	}
}
