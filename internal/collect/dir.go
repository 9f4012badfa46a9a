package collect

import (
	"io"
	"io/fs"
	"os"
	"time"
)

// dirFD is an open directory of the walk. Implementations never follow a
// symbolic link: children are looked up and opened by name, relative to the
// directory, without following a final link.
type dirFD interface {
	// names lists the entries (without "." and "..").
	names() ([]string, error)
	// lstat describes an entry without following a link; display(rel)
	// names the entry for cache keys that need a path (Windows).
	lstat(name, rel string, display func(string) string) (fileMeta, error)
	// openDir opens a sub-directory.
	openDir(name string) (dirFD, error)
	// openFile opens a regular file for reading without blocking.
	openFile(name string) (regularFile, error)
	// dirFile opens a sub-directory as an *os.File (for statfs).
	dirFile(name string) (*os.File, error)
	close() error
}

// fileMeta is what the walk needs of a directory entry's stat.
type fileMeta struct {
	mode   fs.FileMode // type bits only
	size   int64
	mtime  time.Time
	btime  time.Time // birth, where the OS and filesystem keep one
	dev    uint64
	hasDev bool
	key    CacheKey
	keyed  bool
}

// regularFile is a file opened by the walk, as the engine reads it.
type regularFile interface {
	io.Reader
	io.ReaderAt
	io.Closer
	// isRegular reports whether the open file is (still) a regular file.
	isRegular() (bool, error)
}

// osFile is the portable regularFile.
type osFile struct{ *os.File }

func (f osFile) isRegular() (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	return st.Mode().IsRegular(), nil
}

// rootDir is the portable dirFD, on os.Root.
type rootDir struct{ r *os.Root }

// openRootDir opens a walk's top directory as an os.Root.
func openRootDir(path string) (dirFD, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return rootDir{r}, nil
}

// openTop opens the walk's top directory: the system's fastest dirFD
// (tests switch it to exercise the portable one too).
var openTop = openWalkRoot

func (d rootDir) names() ([]string, error) { return readNames(d.r) }

func (d rootDir) lstat(name, rel string, display func(string) string) (fileMeta, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return fileMeta{}, err
	}
	m := fileMeta{mode: fi.Mode().Type(), size: fi.Size(), mtime: fi.ModTime(), btime: birthOf(fi.Sys())}
	m.dev, m.hasDev = deviceOf(fi.Sys())
	m.key, m.keyed = statKey(fi, display(rel))
	return m, nil
}

func (d rootDir) openDir(name string) (dirFD, error) {
	r, err := d.r.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return rootDir{r}, nil
}

func (d rootDir) openFile(name string) (regularFile, error) {
	f, err := openNoAtime(d.r, name)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (d rootDir) dirFile(name string) (*os.File, error) { return d.r.Open(name) }

func (d rootDir) close() error { return d.r.Close() }
