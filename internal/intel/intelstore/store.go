// Package intelstore is the local intel store: a directory of intel documents
// imported with `cascade intel import`, kept as they were given (so
// nothing a format carries beyond cascade's model is lost), with an index
// naming each one. Scans load every document in it.
package intelstore

import (
	"github.com/cascade-ir/cascade/internal/atomicfile"
	"io"

	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/load"
)

// Schema tags the index file.
const Schema = "cascade.intel-store/v1"

const indexFile = "index.json"

// Entry is one imported document.
type Entry struct {
	ID         string    `json:"id"`   // first 16 hex digits of the content's SHA-256
	Name       string    `json:"name"` // the file or directory name it was imported from
	Origin     string    `json:"origin"`
	Path       string    `json:"path"` // inside the store
	Format     string    `json:"format"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Imported   time.Time `json:"imported"`
	Indicators int       `json:"indicators"`
}

type index struct {
	Schema  string  `json:"schema"`
	Entries []Entry `json:"entries"`
}

// Store is a store directory. The directory need not exist until the first
// import.
type Store struct{ Dir string }

// Open returns the store in dir.
func Open(dir string) *Store { return &Store{Dir: dir} }

// DefaultDir is the store under the user's configuration directory.
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("intel store: no user configuration directory (%w)", err)
	}
	return filepath.Join(d, "cascade", "intel"), nil
}

// Entries lists the imported documents; an empty or missing store has none.
func (s *Store) Entries() ([]Entry, error) {
	data, err := os.ReadFile(filepath.Join(s.Dir, indexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intel store: %w", err)
	}
	var idx index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("intel store %s: %w", filepath.Join(s.Dir, indexFile), err)
	}
	if idx.Schema != Schema {
		return nil, fmt.Errorf("intel store %s: schema %q, want %q", s.Dir, idx.Schema, Schema)
	}
	return idx.Entries, nil
}

// Load reads every imported document and merges them.
func (s *Store) Load() (*intel.Intel, error) {
	entries, err := s.Entries()
	if err != nil || len(entries) == 0 {
		return &intel.Intel{}, err
	}
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = filepath.Join(s.Dir, e.Path)
	}
	in, err := load.Paths(paths)
	if err != nil {
		return nil, fmt.Errorf("intel store: %w", err)
	}
	return in, nil
}

// Remove deletes the entries whose ID or name is given and returns them.
func (s *Store) Remove(idOrName string) ([]Entry, error) {
	entries, err := s.Entries()
	if err != nil {
		return nil, err
	}
	var gone []Entry
	kept := slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool {
		if e.ID == idOrName || e.Name == idOrName {
			gone = append(gone, e)
			return true
		}
		return false
	})
	if len(gone) == 0 {
		return nil, fmt.Errorf("intel store: no entry %q", idOrName)
	}
	if err := s.writeIndex(kept); err != nil {
		return nil, err
	}
	for _, e := range gone {
		os.RemoveAll(filepath.Join(s.Dir, e.Path))
	}
	return gone, nil
}

// writeIndex replaces the index atomically.
func (s *Store) writeIndex(entries []Entry) error {
	if entries == nil {
		entries = []Entry{}
	}
	data, err := json.MarshalIndent(index{Schema: Schema, Entries: entries}, "", "  ")
	if err != nil {
		return err
	}
	err = atomicfile.Write(filepath.Join(s.Dir, indexFile), 0o600, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
	if err != nil {
		return fmt.Errorf("intel store: %w", err)
	}
	return nil
}
