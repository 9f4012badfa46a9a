// Package packs holds cascade's built-in intel: one cascade.intel/v1
// document per supply-chain incident, embedded in the binary. The documents
// are generated (go generate) from the IOC table and curated records under
// source/ and curated/; see README.md for what each pack holds and how
// indicators are scored.
package packs

//go:generate go run ./gen

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

//go:embed data/*.json
var data embed.FS

const dataDir = "data"

// List returns the names of the built-in packs, sorted.
func List() []string {
	entries, err := fs.ReadDir(data, dataDir)
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Get loads and validates one pack by name. Every call returns a fresh
// copy the caller may modify.
func Get(name string) (*intel.Intel, error) {
	if !slices.Contains(List(), name) {
		return nil, fmt.Errorf("no built-in intel pack %q (have %s)", name, strings.Join(List(), ", "))
	}
	file := path.Join(dataDir, name+".json")
	raw, err := data.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("built-in pack %s: %w", name, err)
	}
	in, err := intel.DecodeNative("builtin:"+name, raw)
	if err != nil {
		return nil, err
	}
	if err := addRules(in, name); err != nil {
		return nil, fmt.Errorf("built-in pack %s: %w", name, err)
	}
	return in, nil
}

// Load returns every built-in pack merged into one Intel, in List order.
func Load() (*intel.Intel, error) {
	all := &intel.Intel{}
	for _, name := range List() {
		in, err := Get(name)
		if err != nil {
			return nil, err
		}
		all.Merge(in)
	}
	return all, nil
}
