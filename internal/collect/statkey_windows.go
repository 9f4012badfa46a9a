package collect

import (
	"hash/fnv"
	"io/fs"
	"strings"
	"syscall"
	"time"
)

// statKey is a file's identity for the digest cache on Windows, where
// FileInfo has no file index: (path, size, last write time, creation time).
func statKey(fi fs.FileInfo, displayPath string) (CacheKey, bool) {
	d, ok := fi.Sys().(*syscall.Win32FileAttributeData)
	if !ok {
		return CacheKey{}, false
	}
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(displayPath)))
	return CacheKey{
		Ino: h.Sum64(), Size: fi.Size(),
		Mtime: d.LastWriteTime.Nanoseconds(), Ctime: d.CreationTime.Nanoseconds(),
	}, true
}

// deviceOf is not known from FileInfo on Windows; volumes are not crossed
// because a walk never leaves its drive letter.
func deviceOf(any) (uint64, bool) { return 0, false }

// birthOf returns a file's creation time (zero when unknown).
func birthOf(sys any) time.Time {
	d, ok := sys.(*syscall.Win32FileAttributeData)
	if !ok || d.CreationTime.Nanoseconds() == 0 {
		return time.Time{}
	}
	return time.Unix(0, d.CreationTime.Nanoseconds())
}
