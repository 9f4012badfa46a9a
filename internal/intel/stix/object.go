package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// object holds the properties cascade reads from any STIX object; the rest
// are ignored (custom x_ properties of indicators are kept separately).
type object struct {
	Type         string   `json:"type"`
	ID           string   `json:"id"`
	SpecVersion  string   `json:"spec_version"`
	Created      string   `json:"created"`
	Modified     string   `json:"modified"`
	CreatedByRef string   `json:"created_by_ref"`
	Revoked      bool     `json:"revoked"`
	Labels       []string `json:"labels"`
	Confidence   *int     `json:"confidence"`
	ExternalRefs []extRef `json:"external_references"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Aliases      []string `json:"aliases"`
	FirstSeen    string   `json:"first_seen"`

	// indicator
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	PatternVersion string   `json:"pattern_version"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	IndicatorTypes []string `json:"indicator_types"`

	// relationship, sighting, report
	RelationshipType string   `json:"relationship_type"`
	SourceRef        string   `json:"source_ref"`
	TargetRef        string   `json:"target_ref"`
	SightingOfRef    string   `json:"sighting_of_ref"`
	ObjectRefs       []string `json:"object_refs"`

	// cascade's own custom properties (see export.go)
	XID         string                `json:"x_cascade_id"`
	XScore      *int                  `json:"x_cascade_score"`
	XSourceRefs []string              `json:"x_cascade_source_refs"`
	XFP         string                `json:"x_cascade_false_positive"`
	XSameFile   map[intel.Type]string `json:"x_cascade_same_file"`
	XFileTypes  []string              `json:"x_cascade_file_types"`
	XKind       string                `json:"x_cascade_kind"`
	XAliases    []xAlias              `json:"x_cascade_aliases"`
	XSource     *xSource              `json:"x_cascade_source"`
	XIncident   *xIncident            `json:"x_cascade_incident"`
	Advisory    json.RawMessage       `json:"advisory"`
}

type extRef struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
}

type xAlias struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

type xSource struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Location string `json:"location,omitempty"`
}

type xIncident struct {
	Remediation string   `json:"remediation,omitempty"`
	Disclosed   string   `json:"disclosed,omitempty"`
	Related     []string `json:"related,omitempty"`
	Malware     []string `json:"malware,omitempty"`
	Actors      []string `json:"actors,omitempty"`
	// Relations say how a related incident is tied to this one.
	Relations []intel.Relation `json:"relations,omitempty"`
}

// reference renders an external reference as one string: its URL, else
// its description, else its source and external id.
func (r extRef) reference() string {
	switch {
	case r.URL != "":
		return r.URL
	case r.Description != "":
		return r.Description
	case r.ExternalID != "":
		return strings.TrimSpace(r.SourceName + " " + r.ExternalID)
	}
	return ""
}

func refsOf(rs []extRef) []string {
	var out []string
	for _, r := range rs {
		if s := r.reference(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// customProps returns an object's top-level x_ properties other than
// cascade's own, or nil.
func customProps(raw []byte) map[string]json.RawMessage {
	if !bytes.Contains(raw, []byte(`"x_`)) {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(raw, &all) != nil {
		return nil
	}
	var out map[string]json.RawMessage
	for k, v := range all {
		if strings.HasPrefix(k, "x_") && !strings.HasPrefix(k, "x_cascade_") {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[k] = v
		}
	}
	return out
}

// parseTime reads a STIX timestamp (RFC 3339, UTC "Z", optional fraction).
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a STIX timestamp", field, s)
	}
	return t.UTC(), nil
}

// idType returns the type part of a STIX identifier ("indicator" of
// "indicator--…"), or "" when id is not one.
func idType(id string) string {
	i := strings.Index(id, "--")
	if i <= 0 {
		return ""
	}
	return id[:i]
}
