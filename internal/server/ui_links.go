package server

import (
	"net/url"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel"
)

// refURL is a reference as a link target: an absolute http or https URL
// with a host, re-encoded; anything else (a report's title, a javascript:
// or data: URL, text with spaces) is "", and the template shows it as
// text. Intel is written by others: the link opens without a referrer
// or an opener (see the templates).
func refURL(ref string) string {
	ref = strings.TrimSpace(ref)
	if len(ref) > 2048 || strings.ContainsAny(ref, " \t\r\n\"'<>`") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// sourceLabel names the sources in src, a reason's comma-separated list
// of intel source ids (a STIX identity's is "stix:identity--…"), by the
// names the current intel gives them; an id the intel does not know is
// shown as it is.
func sourceLabel(in *intel.Intel, src string) string {
	if src == "" || in == nil {
		return src
	}
	parts := strings.Split(src, ", ")
	for i, p := range parts {
		parts[i] = sourceName(in, p)
	}
	return strings.Join(parts, ", ")
}

// sourceName is one source id's name, or the id: a STIX creator the
// intel has no name for shows as its identity--… id.
func sourceName(in *intel.Intel, id string) string {
	for i := range in.Sources {
		if s := &in.Sources[i]; s.ID == id && s.Name != "" {
			return s.Name
		}
	}
	if ref, ok := strings.CutPrefix(id, "stix:"); ok && strings.HasPrefix(ref, "identity--") {
		return ref
	}
	return id
}

// relatedIncidents lists the incidents the intel ties x to: those x
// names (related, then relations), then those naming x, each once, in
// that order. Each carries its relation ("related" when the intel does
// not say, and for a tie only the other record states, whose wording is
// from the other side) and the source that says so: the relation's
// reference, else the names of the sources of the record that states the
// tie. Incidents the current intel does not know are left out, as their
// page would not exist.
func relatedIncidents(in *intel.Intel, x *intel.Incident) []fleet.RelatedIncident {
	var out []fleet.RelatedIncident
	seen := map[string]bool{x.ID: true}
	add := func(id string, by *intel.Incident, rel *intel.Relation, relation string) {
		o := in.Incident(id)
		if id == "" || seen[id] || o == nil {
			return
		}
		seen[id] = true
		ri := fleet.RelatedIncident{ID: id, Name: o.Name, Relation: "related", Source: joinSourceNames(in, by.Sources)}
		if rel != nil {
			ri.Relation = relation
			if rel.Reference != "" {
				ri.Source = rel.Reference
			}
		}
		out = append(out, ri)
	}
	for _, id := range x.Related {
		r := x.RelationTo(id)
		add(id, x, r, relationText(r))
	}
	for i := range x.Relations {
		add(x.Relations[i].Incident, x, &x.Relations[i], x.Relations[i].Relation)
	}
	// The other side of a tie only the other record states.
	for i := range in.Incidents {
		o := &in.Incidents[i]
		if r := o.RelationTo(x.ID); r != nil || slices.Contains(o.Related, x.ID) {
			add(o.ID, o, r, "related")
		}
	}
	return out
}

func relationText(r *intel.Relation) string {
	if r == nil {
		return "related"
	}
	return r.Relation
}

// joinSourceNames joins the names of the source ids.
func joinSourceNames(in *intel.Intel, ids []string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		names = append(names, sourceName(in, id))
	}
	return strings.Join(names, ", ")
}
