package intelstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cascade-ir/cascade/internal/intel/load"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// Replace drops earlier entries imported under the same name (a newer
	// version of the same feed file).
	Replace bool
	Now     time.Time
}

// Result says what an import did.
type Result struct {
	Entry    Entry
	Existing bool    // the same content was already in the store
	Replaced []Entry // earlier versions dropped
}

// Import validates a file or a MISP feed directory by loading it, then
// copies it into the store. Importing the same content twice is a no-op.
func (s *Store) Import(path string, opt ImportOptions) (Result, error) {
	in, err := load.Paths([]string{path})
	if err != nil {
		return Result{}, err
	}
	sum, size, err := digest(path)
	if err != nil {
		return Result{}, err
	}
	entries, err := s.Entries()
	if err != nil {
		return Result{}, err
	}
	for _, e := range entries {
		if e.SHA256 == sum {
			return Result{Entry: e, Existing: true}, nil
		}
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	name := filepath.Base(path)
	abs, _ := filepath.Abs(path)
	e := Entry{ID: sum[:16], Name: name, Origin: abs, Path: filepath.Join("docs", sum[:16]+"-"+name), Format: format(path),
		SHA256: sum, Size: size, Imported: opt.Now.UTC(), Indicators: len(in.Indicators)}
	for _, h := range in.HashLists {
		e.Indicators += h.Len()
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "docs"), 0o700); err != nil {
		return Result{}, fmt.Errorf("intel store: %w", err)
	}
	if err := copyTree(path, filepath.Join(s.Dir, e.Path)); err != nil {
		return Result{}, err
	}
	res := Result{Entry: e}
	if opt.Replace {
		entries = slices.DeleteFunc(entries, func(x Entry) bool {
			if x.Name == name {
				res.Replaced = append(res.Replaced, x)
				return true
			}
			return false
		})
	}
	if err := s.writeIndex(append(entries, e)); err != nil {
		return Result{}, err
	}
	for _, x := range res.Replaced {
		os.RemoveAll(filepath.Join(s.Dir, x.Path))
	}
	return res, nil
}

func format(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return load.FormatMISPFeed
	}
	return load.DetectFile(path)
}

// digest hashes a file, or a directory's regular files by relative name.
func digest(path string) (string, int64, error) {
	h := sha256.New()
	var total int64
	err := walkFiles(path, func(rel, full string) error {
		f, err := os.Open(full)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", rel)
		n, err := io.Copy(h, f)
		total += n
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("intel %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), total, nil
}

// walkFiles calls fn for path itself when it is a file, or for each
// regular file under it, in name order.
func walkFiles(path string, fn func(rel, full string) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fn("", path)
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		return fn(rel, p)
	})
}

func copyTree(src, dst string) error {
	return walkFiles(src, func(rel, full string) error {
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return fmt.Errorf("intel store: %w", err)
		}
		return copyFile(full, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("intel store: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("intel store: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("intel store: copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("intel store: %w", err)
	}
	return nil
}
