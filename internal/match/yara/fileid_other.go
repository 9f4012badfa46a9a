//go:build !unix

package yara

import "path/filepath"

// id has no inode off Unix; directories are told apart by their
// resolved path, which only loops through links could repeat.
func (w *walker) id(dir string) (fileID, bool) {
	_ = filepath.Clean(dir)
	return fileID{}, false
}
