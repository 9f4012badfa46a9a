package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cascade-ir/cascade/internal/intel"
)

// MaxWarninglistEntries bounds one list.
const MaxWarninglistEntries = 10_000_000

type warninglistDoc struct {
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Version            flexString `json:"version"`
	Type               string     `json:"type"`
	MatchingAttributes []string   `json:"matching_attributes"`
	List               []string   `json:"list"`
}

// attributeTypes maps MISP attribute types to the indicator types a
// warninglist applies to.
var attributeTypes = map[string][]intel.Type{
	"md5": {intel.MD5}, "sha1": {intel.SHA1}, "sha256": {intel.SHA256},
	"filename|md5": {intel.MD5}, "filename|sha1": {intel.SHA1}, "filename|sha256": {intel.SHA256},
	"domain": {intel.Domain}, "hostname": {intel.Domain}, "domain|ip": {intel.Domain, intel.IP}, "hostname|port": {intel.Domain},
	"url": {intel.URL}, "uri": {intel.URL}, "link": {intel.URL},
	"ip-src": {intel.IP}, "ip-dst": {intel.IP}, "ip-src|port": {intel.IP}, "ip-dst|port": {intel.IP},
	"filename": {intel.Filename},
}

// LoadWarninglist reads a MISP warninglist (list.json).
func LoadWarninglist(name string, data []byte) (*intel.Intel, error) {
	var doc warninglistDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(name, data, err)
	}
	if doc.Name == "" || doc.List == nil {
		return nil, &intel.LoadError{File: name, Err: errors.New("warninglist needs a name and a list")}
	}
	if len(doc.List) > MaxWarninglistEntries {
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("%d entries is over the %d limit", len(doc.List), MaxWarninglistEntries)}
	}
	w := intel.Warninglist{Name: doc.Name, Description: doc.Description, Kind: doc.Type, Entries: doc.List, Source: "misp-warninglist:" + doc.Name}
	if w.Kind == "" {
		w.Kind = intel.WarnString
	}
	fmt.Sscan(string(doc.Version), &w.Version)
	in := &intel.Intel{Sources: []intel.Source{{ID: w.Source, Name: doc.Name, Kind: "misp-warninglist", Location: name, Description: doc.Description}}}
	for _, a := range doc.MatchingAttributes {
		for _, t := range attributeTypes[a] {
			if !slices.Contains(w.Types, t) {
				w.Types = append(w.Types, t)
			}
		}
	}
	if len(doc.MatchingAttributes) > 0 && len(w.Types) == 0 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("%s: warninglist %q applies to attribute types %v, none of which cascade matches; not used",
			name, doc.Name, doc.MatchingAttributes))
		return in, nil
	}
	if err := w.Validate(); err != nil {
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("warninglist %q: %w", doc.Name, err)}
	}
	in.Warninglists = []intel.Warninglist{w}
	return in, nil
}
