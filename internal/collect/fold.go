package collect

import (
	"io/fs"
	"strings"
)

// FindFold resolves a slash path in fsys component by component without
// regard to case, as Windows names them: an image's folders may be
// Windows or WINDOWS, config or Config, CatRoot or catroot.
func FindFold(fsys fs.FS, name string) (string, error) {
	if _, err := fs.Stat(fsys, name); err == nil {
		return name, nil
	}
	cur := "."
	for _, comp := range strings.Split(name, "/") {
		entries, err := fs.ReadDir(fsys, cur)
		if err != nil {
			return "", err
		}
		found := ""
		for _, e := range entries {
			if strings.EqualFold(e.Name(), comp) {
				found = e.Name()
				break
			}
		}
		if found == "" {
			return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		if cur == "." {
			cur = found
		} else {
			cur += "/" + found
		}
	}
	return cur, nil
}
