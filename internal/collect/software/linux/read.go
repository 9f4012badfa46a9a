package linux

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
	f, size, err := openBounded(fsys, name, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: grew from %d to over %d bytes while read", name, size, max)
	}
	return data, nil
}

// openBounded opens a regular file no larger than max bytes.
func openBounded(fsys fs.FS, name string, max int64) (fs.File, int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w (%v)", name, errNotRegular, st.Mode().Type())
	}
	if st.Size() > max {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, st.Size(), max)
	}
	return f, st.Size(), nil
}

// checkEntry is for paths the walk did not offer: from the parent
// directory's listing, without opening name, it checks that name is a
// regular file or a link, so a FIFO planted in an image cannot block an
// open. A missing file is fs.ErrNotExist.
func checkEntry(fsys fs.FS, name string) error {
	entries, err := fs.ReadDir(fsys, path.Dir(name))
	if err != nil {
		return err
	}
	base := path.Base(name)
	for _, e := range entries {
		if e.Name() != base {
			continue
		}
		if t := e.Type(); t&^fs.ModeSymlink != 0 {
			return fmt.Errorf("%s: %w (%v)", name, errNotRegular, t)
		}
		return nil
	}
	return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// readRegular is readFile for a path the walk did not offer.
func readRegular(fsys fs.FS, name string, max int64) ([]byte, error) {
	if err := checkEntry(fsys, name); err != nil {
		return nil, err
	}
	return readFile(fsys, name, max)
}
