package server

import (
	"encoding/json"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// refMap maps the indicator ids the intel loader gave a feed's objects
// back to the upstream's own reference.
type refMap map[string]string

// lookup finds an indicator id, or the STIX object it was split from
// ("<id>#2", "<id>@incident").
func (m refMap) lookup(id string) (string, bool) {
	if r, ok := m[id]; ok {
		return r, true
	}
	if i := strings.IndexAny(id, "#@"); i > 0 {
		r, ok := m[id[:i]]
		return r, ok
	}
	return "", false
}

// upstreamRefs reads a feed's stored document: STIX indicators by id (and
// by x_cascade_id, which the loader prefers), MISP attributes as
// "misp:<uuid>" (the loader's indicator id) to the attribute uuid.
func upstreamRefs(kind string, content []byte) refMap {
	m := refMap{}
	if kind == fleet.FeedMISP {
		var doc struct {
			Response []struct {
				Event struct {
					Attribute []struct{ UUID string } `json:"Attribute"`
					Object    []struct {
						Attribute []struct{ UUID string } `json:"Attribute"`
					} `json:"Object"`
				} `json:"Event"`
			} `json:"response"`
		}
		json.Unmarshal(content, &doc)
		for _, r := range doc.Response {
			attrs := r.Event.Attribute
			for _, o := range r.Event.Object {
				attrs = append(attrs, o.Attribute...)
			}
			for _, a := range attrs {
				if a.UUID != "" {
					m["misp:"+a.UUID] = a.UUID
				}
			}
		}
		return m
	}
	var doc struct {
		Objects []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
			XID  string `json:"x_cascade_id"`
		} `json:"objects"`
	}
	json.Unmarshal(content, &doc)
	for _, o := range doc.Objects {
		if o.Type == "indicator" {
			m[o.ID] = o.ID
			if o.XID != "" {
				m[o.XID] = o.ID
			}
		}
	}
	return m
}
