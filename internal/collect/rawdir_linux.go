package collect

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// rawDir is the Linux dirFD: a directory descriptor used with openat,
// getdents64 and fstatat directly. Every lookup is one name relative to an
// open directory with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so the walk cannot
// be led out of its root by a link, and costs one system call per entry.
type rawDir struct{ fd int }

// openWalkRoot opens the walk's top directory.
func openWalkRoot(path string) (dirFD, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return rawDir{fd}, nil
}

func (d rawDir) names() ([]string, error) {
	buf := make([]byte, 16<<10)
	var names []string
	for {
		n, err := unix.Getdents(d.fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return names, &fs.PathError{Op: "getdents", Path: ".", Err: err}
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

func (d rawDir) lstat(name, _ string, _ func(string) string) (fileMeta, error) {
	if !statxMissing.Load() {
		m, err := d.statx(name)
		if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) {
			return m, err
		}
		// Before Linux 4.11, or refused by a seccomp filter: fstatat,
		// without birth times, from now on.
		statxMissing.Store(true)
	}
	return d.fstatat(name)
}

// statxMissing is set once statx has failed as unsupported.
var statxMissing atomic.Bool

// statx is lstat with the birth time, in the one system call fstatat
// would cost (a benchmark over 5,000 files measured both at about 3.7µs
// a file; a second call for the birth time would double it).
func (d rawDir) statx(name string) (fileMeta, error) {
	const flags = unix.AT_SYMLINK_NOFOLLOW | unix.AT_STATX_SYNC_AS_STAT
	var st unix.Statx_t
	_, err := retryEINTR(func() (int, error) {
		return 0, unix.Statx(d.fd, name, flags, unix.STATX_BASIC_STATS|unix.STATX_BTIME, &st)
	})
	if err != nil {
		return fileMeta{}, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	dev := unix.Mkdev(st.Dev_major, st.Dev_minor)
	m := fileMeta{mode: modeType(uint32(st.Mode)), size: int64(st.Size), mtime: statxTime(st.Mtime),
		dev: dev, hasDev: true, keyed: true}
	if st.Mask&unix.STATX_BTIME != 0 { // not every filesystem keeps one
		m.btime = statxTime(st.Btime)
	}
	m.key = CacheKey{Dev: dev, Ino: st.Ino, Size: int64(st.Size),
		Mtime: statxNano(st.Mtime), Ctime: statxNano(st.Ctime)}
	return m, nil
}

func statxTime(t unix.StatxTimestamp) time.Time { return time.Unix(t.Sec, int64(t.Nsec)) }
func statxNano(t unix.StatxTimestamp) int64     { return t.Sec*1e9 + int64(t.Nsec) }

func (d rawDir) fstatat(name string) (fileMeta, error) {
	var st unix.Stat_t
	_, err := retryEINTR(func() (int, error) { return 0, unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
	if err != nil {
		return fileMeta{}, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	m := fileMeta{mode: modeType(st.Mode), size: st.Size, mtime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		dev: st.Dev, hasDev: true, keyed: true}
	m.key = CacheKey{Dev: st.Dev, Ino: st.Ino, Size: st.Size,
		Mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec, Ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec}
	return m, nil
}

func modeType(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

func (d rawDir) openDir(name string) (dirFD, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return rawDir{fd}, nil
}

// openFile opens without following a link, without blocking (a FIFO
// swapped in since the listing) and, where allowed, without touching the
// access time. The descriptor is used bare: an *os.File would cost each
// file two more system calls (os.NewFile asks for the flags, and tries to
// register a non-blocking descriptor with the poller, which refuses
// regular files).
func (d rawDir) openFile(name string) (regularFile, error) {
	const flags = unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	fd, err := retryEINTR(func() (int, error) { return unix.Openat(d.fd, name, flags|unix.O_NOATIME, 0) })
	if errors.Is(err, unix.EPERM) {
		fd, err = retryEINTR(func() (int, error) { return unix.Openat(d.fd, name, flags, 0) })
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &rawFile{fd: fd, name: name}, nil
}

// rawFile is a regular file's descriptor. Not safe for concurrent use.
type rawFile struct {
	fd   int
	name string
}

func (f *rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := retryEINTR(func() (int, error) { return unix.Read(f.fd, p) })
	switch {
	case err != nil:
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// ReadAt fills p from off, as io.ReaderAt asks: fewer bytes only with an
// error (io.EOF at the end of the file).
func (f *rawFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: errors.New("negative offset")}
	}
	n := 0
	for n < len(p) {
		m, err := retryEINTR(func() (int, error) { return unix.Pread(f.fd, p[n:], off+int64(n)) })
		if err != nil {
			return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f *rawFile) Close() error {
	if f.fd < 0 {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	err := unix.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

func (f *rawFile) isRegular() (bool, error) {
	var st unix.Stat_t
	if _, err := retryEINTR(func() (int, error) { return 0, unix.Fstat(f.fd, &st) }); err != nil {
		return false, &fs.PathError{Op: "fstat", Path: f.name, Err: err}
	}
	return st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

func (d rawDir) dirFile(name string) (*os.File, error) {
	sub, err := d.openDir(name)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(sub.(rawDir).fd), name), nil
}

func (d rawDir) close() error { return unix.Close(d.fd) }

func retryEINTR(f func() (int, error)) (int, error) {
	for {
		fd, err := f()
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}
