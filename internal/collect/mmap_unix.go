//go:build linux || darwin

package collect

import (
	"errors"
	"fmt"
	"hash"
	"os"
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
func hashMapped(f *os.File, size int64, hs []hash.Hash) (mapped bool, err error) {
	if size < mmapMin || size != int64(int(size)) {
		return false, nil
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, mmapFlags)
	if err != nil {
		return false, nil
	}
	defer unix.Munmap(data)
	unix.Madvise(data, unix.MADV_SEQUENTIAL)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			mapped, err = true, fmt.Errorf("%w: %v", errChangedWhileMapped, r)
		}
	}()
	const chunk = 256 << 10 // hashers share a chunk while it is in cache
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		for _, h := range hs {
			h.Write(data[off:end])
		}
	}
	return true, nil
}
