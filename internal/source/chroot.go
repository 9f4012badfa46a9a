package source

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
)

// chrootFS is the Source as an fs.FS. Inside an image, a path whose links
// os.Root refuses (absolute targets) is resolved again with the image root
// standing for "/", so /etc/localtime-style links work as on the imaged
// system and still cannot leave it.
type chrootFS struct{ s *Source }

func (c chrootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := c.s.root.OpenFile(name, openFlags, 0)
	if err != nil && c.s.Kind == Image {
		if resolved, rerr := c.s.resolve(name); rerr == nil {
			f, err = c.s.root.OpenFile(resolved, openFlags, 0)
		}
	}
	if err != nil {
		return nil, err
	}
	return onlyFilesAndDirs(f, name)
}

// onlyFilesAndDirs refuses devices, FIFOs and sockets: reading them can
// block forever or have side effects.
func onlyFilesAndDirs(f *os.File, name string) (fs.File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if m := st.Mode(); !m.IsRegular() && !m.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
	return f, nil
}

func (c chrootFS) Stat(name string) (fs.FileInfo, error) {
	f, err := c.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

func (c chrootFS) ReadFile(name string) ([]byte, error) { return fs.ReadFile(onlyOpen{c}, name) }

func (c chrootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(onlyOpen{c}, name)
}

var errNotRegular = errors.New("not a regular file or directory")

// onlyOpen hides the extension methods so the fs helpers use Open.
type onlyOpen struct{ c chrootFS }

func (o onlyOpen) Open(name string) (fs.File, error) { return o.c.Open(name) }

// resolve follows symlinks in name component by component, taking absolute
// targets relative to the root. The result names no link the walk passed.
func (s *Source) resolve(name string) (string, error) {
	pending := strings.Split(name, "/")
	var done []string
	for hops := 0; len(pending) > 0; {
		comp := pending[0]
		pending = pending[1:]
		switch comp {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, comp)...)
		fi, err := s.root.Lstat(cur)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, comp)
			continue
		}
		if hops++; hops > 40 {
			return "", &fs.PathError{Op: "resolve", Path: name, Err: errTooManyLinks}
		}
		target, err := s.root.Readlink(cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}
