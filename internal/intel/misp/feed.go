package misp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/cascade-ir/cascade/internal/intel"
)

// maxEventFile bounds one event file of a feed.
const maxEventFile = 256 << 20

// IsFeed reports whether dir is a MISP feed: it has a manifest.json, or
// only the hashes.csv of one.
func IsFeed(dir string) bool {
	for _, f := range []string{"manifest.json", "hashes.csv"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// LoadFeed loads a MISP feed directory: manifest.json lists the events,
// each in <uuid>.json. A feed holding only hashes.csv cannot be used:
// MISP writes there the MD5 of each attribute value, for its own
// correlation, not the values themselves.
func LoadFeed(dir string) (*intel.Intel, error) {
	manifest := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(manifest)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &intel.LoadError{File: dir, Err: errors.New("MISP feed without manifest.json: its hashes.csv holds only MD5 digests " +
			"of attribute values, which name no indicator; load the feed's event files")}
	}
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", manifest, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, jsonError(manifest, data, err)
	}
	if len(m) > MaxEvents {
		return nil, &intel.LoadError{File: manifest, Err: fmt.Errorf("%d events is over the %d limit", len(m), MaxEvents)}
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		if !uuidRE.MatchString(id) {
			return nil, &intel.LoadError{File: manifest, Err: fmt.Errorf("event key %q is not a UUID", id)}
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	all := &intel.Intel{}
	for _, id := range ids {
		in, err := loadEventFile(filepath.Join(dir, id+".json"))
		if err != nil {
			return nil, err
		}
		all.Merge(in)
	}
	return all, nil
}

func loadEventFile(name string) (*intel.Intel, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: listed in the feed manifest: %w", name, err)
	}
	if st.Size() > maxEventFile {
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("%d bytes is over the %d limit", st.Size(), maxEventFile)}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	return Load(name, data)
}
