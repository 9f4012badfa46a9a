// Package load reads intel files in any supported format, choosing the
// loader from the file's name and content.
package load

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/sigbase"
)

// maxIntelFile bounds one intel file read into memory.
const maxIntelFile = 1 << 30

// Paths loads every file named, descending into directories, and merges
// them. The first bad file is an error naming it.
func Paths(paths []string) (*intel.Intel, error) {
	all := &intel.Intel{}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			in, err := File(f)
			if err != nil {
				return nil, err
			}
			all.Merge(in)
		}
	}
	return all, nil
}

func expand(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", p, err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && d.Name()[0] != '.' {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", p, err)
	}
	sort.Strings(files)
	return files, nil
}

// File loads one intel file. Signature-base lists (recognised by name) are
// streamed, so a million-line hash list never sits in memory as text.
func File(name string) (*intel.Intel, error) {
	if f, err := sigbase.DetectFormat(filepath.Base(name)); err == nil {
		return sigbase.LoadFile(name, sigbase.Options{Format: f})
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	if st.Size() > maxIntelFile {
		return nil, fmt.Errorf("intel %s: %d bytes is over the %d limit", name, st.Size(), maxIntelFile)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	return Bytes(name, data)
}

// Bytes loads intel from data, using name to pick the format.
func Bytes(name string, data []byte) (*intel.Intel, error) {
	switch Detect(name, data) {
	case FormatNative:
		return intel.DecodeNative(name, data)
	case FormatSigbase:
		f, _ := sigbase.DetectFormat(filepath.Base(name))
		return sigbase.Load(name, bytes.NewReader(data), sigbase.Options{Format: f})
	}
	return nil, &intel.LoadError{File: name, Err: fmt.Errorf("unknown intel format: want a cascade intel JSON document, " +
		"or a signature-base list named like *hash*.txt, *filename*.txt or *c2*.txt")}
}
