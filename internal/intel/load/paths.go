package load

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/misp"
)

// Result is one intel file (or MISP feed directory) loaded, or why not.
type Result struct {
	Path  string
	Intel *intel.Intel // nil when Err is set
	Err   error
}

// Errors are the files of one load that could not be read, one error
// each; Error gives one line per file.
type Errors []error

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

func (e Errors) Unwrap() []error { return e }

// Files loads every file named, descending into directories (in name
// order, leaving out dot-files), one Result each. A directory holding a
// MISP feed (manifest.json) is one Result. A bad file never stops the
// others from loading.
func Files(paths []string) []Result {
	var out []Result
	for _, p := range paths {
		files, errs := expand(p)
		for _, e := range errs {
			out = append(out, Result{Path: e.path, Err: e.err})
		}
		for _, f := range files {
			in, err := fileOrFeed(f)
			if err != nil {
				in = nil
			}
			out = append(out, Result{Path: f, Intel: in, Err: err})
		}
	}
	return out
}

// Paths loads every file named, as Files does, and merges the good ones.
// When some files are bad, it returns the merged intel of the others and
// an Errors with one error per bad file.
func Paths(paths []string) (*intel.Intel, error) {
	all := &intel.Intel{}
	var bad Errors
	for _, r := range Files(paths) {
		if r.Err != nil {
			bad = append(bad, r.Err)
			continue
		}
		all.Merge(r.Intel)
	}
	if len(bad) > 0 {
		return all, bad
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

type pathError struct {
	path string
	err  error
}

// expand lists the files under p; a MISP feed directory stays one entry.
// A directory that cannot be read is an error; the walk goes on.
func expand(p string) ([]string, []pathError) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, []pathError{{p, fmt.Errorf("intel %s: %w", p, err)}}
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	var errs []pathError
	filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			errs = append(errs, pathError{path, fmt.Errorf("intel %s: %w", path, err)})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
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
	sort.Strings(files)
	return files, errs
}
