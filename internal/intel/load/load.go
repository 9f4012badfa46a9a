// Package load reads intel files in any supported format, choosing the
// loader from the file's name and content.
package load

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/misp"
	"github.com/cascade-ir/cascade/internal/intel/sigbase"
	"github.com/cascade-ir/cascade/internal/intel/stix"
)

// maxIntelFile bounds one intel file read into memory.
const maxIntelFile = 1 << 30

// Paths loads every file named, descending into directories, and merges
// them. A directory holding a MISP feed (manifest.json) is loaded as one
// feed. The first bad file is an error naming it.
func Paths(paths []string) (*intel.Intel, error) {
	all := &intel.Intel{}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			in, err := fileOrFeed(f)
			if err != nil {
				return nil, err
			}
			all.Merge(in)
		}
	}
	return all, nil
}

// fileOrFeed loads a file, or a feed directory expand kept whole.
func fileOrFeed(p string) (*intel.Intel, error) {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return misp.LoadFeed(p)
	}
	return File(p)
}

// expand lists the files under p; a MISP feed directory stays one entry.
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
		switch {
		case err != nil:
			return err
		case d.IsDir() && misp.IsFeed(path):
			files = append(files, path)
			return filepath.SkipDir
		case d.IsDir() && path != p && d.Name()[0] == '.':
			return filepath.SkipDir
		case d.Type().IsRegular() && d.Name()[0] != '.':
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

// File loads one intel file. Signature-base lists (recognised by name) and
// STIX documents are streamed, so a million-line hash list or a bundle of
// hundreds of megabytes never sits in memory as text.
func File(name string) (*intel.Intel, error) {
	if f, err := sigbase.DetectFormat(filepath.Base(name)); err == nil {
		return sigbase.LoadFile(name, sigbase.Options{Format: f})
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	if st.IsDir() {
		if misp.IsFeed(name) {
			return misp.LoadFeed(name)
		}
		return nil, fmt.Errorf("intel %s: a directory; give the files in it", name)
	}
	if st.Size() > maxIntelFile {
		return nil, fmt.Errorf("intel %s: %d bytes is over the %d limit", name, st.Size(), maxIntelFile)
	}
	head, err := readHead(name)
	if err != nil {
		return nil, err
	}
	if Detect(name, head) == FormatSTIX {
		return stix.LoadFile(name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	return Bytes(name, data)
}

func readHead(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	return head[:n], nil
}

// Bytes loads intel from data, using its content (and name) to pick the
// format.
func Bytes(name string, data []byte) (*intel.Intel, error) {
	switch Detect(name, data) {
	case FormatNative:
		return intel.DecodeNative(name, data)
	case FormatSTIX:
		return stix.Load(name, data)
	case FormatMISP:
		return misp.Load(name, data)
	case FormatWarninglist:
		return misp.LoadWarninglist(name, data)
	case FormatSigbase:
		f, _ := sigbase.DetectFormat(filepath.Base(name))
		return sigbase.Load(name, bytes.NewReader(data), sigbase.Options{Format: f})
	}
	return nil, &intel.LoadError{File: name, Err: fmt.Errorf("unknown intel format: want a cascade intel JSON document, " +
		"a STIX 2.1 bundle, a MISP event or warninglist, " +
		"or a signature-base list named like *hash*.txt, *filename*.txt or *c2*.txt")}
}
