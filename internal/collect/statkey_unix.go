//go:build linux || darwin

package collect

import (
	"io/fs"
	"syscall"
)

// statKey is a file's identity for the digest cache: (device, inode, size,
// mtime, ctime). ctime changes on any write or metadata change and cannot
// be set back by user tools, so a file with the same key has the same
// content.
func statKey(fi fs.FileInfo, _ string) (CacheKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return CacheKey{}, false
	}
	return CacheKey{
		Dev: uint64(st.Dev), Ino: uint64(st.Ino), Size: st.Size,
		Mtime: timespecNano(mtimeOf(st)), Ctime: timespecNano(ctimeOf(st)),
	}, true
}

func timespecNano(ts syscall.Timespec) int64 { return ts.Sec*1e9 + int64(ts.Nsec) }
