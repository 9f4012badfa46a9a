package macos

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
)

var errNotRegular = errors.New("not a regular file")

// readFile reads name from fsys, refusing files larger than max bytes.
func readFile(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", name, errNotRegular)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: grew over the %d-byte limit while read", name, max)
	}
	return data, nil
}

// readRegular is readFile for a path the walk did not offer: it first
// checks, from the parent directory's listing, that name is a regular file
// or a link, so a FIFO planted in an image cannot block the open.
func readRegular(fsys fs.FS, name string, max int64) ([]byte, error) {
	entries, err := fs.ReadDir(fsys, path.Dir(name))
	if err != nil {
		return nil, err
	}
	base := path.Base(name)
	for _, e := range entries {
		if e.Name() != base {
			continue
		}
		if t := e.Type(); t&^fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: %w (%v)", name, errNotRegular, t)
		}
		return readFile(fsys, name, max)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
