package main

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// statDir lists dir and stats each entry relative to the open directory
// (fstatat, one system call per entry, as cascade's Linux walk does).
func statDir(dir string) (subdirs []string, entries int) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	fd := int(f.Fd())
	var st unix.Stat_t
	for _, name := range names {
		if unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			continue
		}
		entries++
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			subdirs = append(subdirs, filepath.Join(dir, name))
		}
	}
	return subdirs, entries
}
