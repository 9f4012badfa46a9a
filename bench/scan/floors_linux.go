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

// cpuTime is this process's user + system CPU seconds so far: the floors'
// cost in the unit that neighbours' load on a shared machine distorts
// least.
func cpuTime() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
