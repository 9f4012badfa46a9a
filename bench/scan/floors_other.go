//go:build !linux

package main

import (
	"os"
	"path/filepath"
)

// statDir lists dir and stats each entry by path.
func statDir(dir string) (subdirs []string, entries int) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	for _, name := range names {
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		entries++
		if fi.IsDir() {
			subdirs = append(subdirs, p)
		}
	}
	return subdirs, entries
}

// cpuTime is not measured here: CPU ratios are printed on Linux only.
func cpuTime() float64 { return 0 }
