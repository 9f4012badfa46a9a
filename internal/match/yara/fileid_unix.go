//go:build unix

package yara

import "syscall"

func (w *walker) id(dir string) (fileID, bool) {
	st, err := w.root.Stat(dir)
	if err != nil {
		return fileID{}, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(sys.Dev), uint64(sys.Ino)}, true
}
