package stix

import (
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// actorTypes are the STIX objects that become actors in the knowledge
// model: who did it, under which names, with which tools.
var actorTypes = map[string]bool{"intrusion-set": true, "threat-actor": true, "campaign": true, "malware": true}

// actors turns intrusion sets, threat actors, campaigns and malware into
// actors, each alias with the source that uses it.
func (r *resolver) actors() {
	for _, id := range r.b.sdoOrder {
		o := r.b.sdos[id].obj
		if !actorTypes[o.Type] || o.XKind == kindIncident || o.XKind == kindIncidentMalware {
			continue
		}
		a := intel.Actor{ID: id, Name: o.Name, Kind: o.Type, Description: o.Description,
			Sources: r.sourcesOfOwn(o.CreatedByRef, o.XSourceRefs, o.XID != "")}
		if o.XID != "" {
			a.ID, a.Kind = o.XID, o.XKind
		}
		if a.Name == "" {
			a.Name = id
		}
		a.Aliases = r.aliases(&o)
		r.actorID[id] = a.ID
		r.in.Actors = append(r.in.Actors, a)
	}
}

func (r *resolver) aliases(o *object) []intel.Alias {
	if o.XAliases != nil {
		out := make([]intel.Alias, len(o.XAliases))
		for i, x := range o.XAliases {
			out[i] = intel.Alias(x)
		}
		return out
	}
	src := r.aliasSource(o.CreatedByRef)
	var out []intel.Alias
	for _, n := range append([]string{o.Name}, o.Aliases...) {
		al := intel.Alias{Name: strings.TrimSpace(n), Source: src}
		if al.Name != "" && !slices.Contains(out, al) {
			out = append(out, al)
		}
	}
	return out
}

// actorRef maps a STIX id to the actor it became, if any.
func (r *resolver) actorRef(id string) (string, bool) {
	a, ok := r.actorID[id]
	return a, ok
}

// campaigns makes an incident of every campaign and STIX incident, so the
// indicators that indicate it carry its context.
func (r *resolver) campaigns() {
	for _, id := range r.b.sdoOrder {
		o := r.b.sdos[id].obj
		if o.Type != "campaign" && o.Type != "incident" || o.XKind != "" && o.XKind != kindIncident {
			continue
		}
		r.newIncident(id, &o)
	}
}

func (r *resolver) newIncident(id string, o *object) int {
	inc := intel.Incident{ID: id, Name: o.Name, Summary: o.Description, References: refsOf(o.ExternalRefs),
		Sources: r.sourcesOfOwn(o.CreatedByRef, o.XSourceRefs, o.XID != "")}
	if o.XID != "" && o.XKind == kindIncident {
		inc.ID = o.XID
	}
	if inc.Name == "" {
		inc.Name = inc.ID
	}
	for _, t := range r.targets(id, "attributed-to") {
		if a, ok := r.actorRef(t); ok && !slices.Contains(inc.Actors, a) {
			inc.Actors = append(inc.Actors, a)
		}
	}
	if x := o.XIncident; x != nil {
		inc.Remediation, inc.Related, inc.Malware, inc.Actors = x.Remediation, x.Related, x.Malware, x.Actors
		inc.Relations = x.Relations
		inc.Disclosed, _ = parseTime("disclosed", x.Disclosed)
	} else {
		for _, m := range r.targets(id, "uses") {
			r.addMalware(&inc, m)
		}
		r.relatedIncidents(id, &inc)
	}
	r.incidents[id] = len(r.in.Incidents)
	r.in.Incidents = append(r.in.Incidents, inc)
	return r.incidents[id]
}

// relatedIncidents reads a campaign's related-to relationships to other
// campaigns or incidents as ties between incidents: the relationship's
// description is the tie's wording ("related" without one) and its first
// reference the source.
func (r *resolver) relatedIncidents(id string, inc *intel.Incident) {
	for _, rel := range r.out[id] {
		if rel.typ != "related-to" {
			continue
		}
		t, ok := r.b.sdos[rel.dst]
		if !ok || t.obj.Type != "campaign" && t.obj.Type != "incident" || t.obj.XKind != "" && t.obj.XKind != kindIncident {
			continue
		}
		other := rel.dst
		if t.obj.XID != "" && t.obj.XKind == kindIncident {
			other = t.obj.XID
		}
		if other == inc.ID || slices.Contains(inc.Related, other) {
			continue
		}
		inc.Related = append(inc.Related, other)
		tie := intel.Relation{Incident: other, Relation: rel.desc}
		if tie.Relation == "" {
			tie.Relation = "related"
		}
		if len(rel.refs) > 0 {
			tie.Reference = rel.refs[0]
		}
		inc.Relations = append(inc.Relations, tie)
	}
}

func (r *resolver) addMalware(inc *intel.Incident, id string) {
	if s, ok := r.b.sdos[id]; ok && s.obj.Type == "malware" && s.obj.Name != "" && !slices.Contains(inc.Malware, s.obj.Name) {
		inc.Malware = append(inc.Malware, s.obj.Name)
	}
}

// incidentFor returns the incident for an indicated object, creating one
// for malware or an actor named directly by an indicator.
func (r *resolver) incidentFor(id string) (int, bool) {
	if i, ok := r.incidents[id]; ok {
		return i, true
	}
	s, ok := r.b.sdos[id]
	if !ok || !actorTypes[s.obj.Type] {
		return 0, false
	}
	i := r.newIncident(id, &s.obj)
	inc := &r.in.Incidents[i]
	switch s.obj.Type {
	case "malware":
		r.addMalware(inc, id)
		for _, a := range append(r.targets(id, "authored-by"), r.sourcesTo(id, "uses")...) {
			if ref, ok := r.actorRef(a); ok && !slices.Contains(inc.Actors, ref) && ref != inc.ID {
				inc.Actors = append(inc.Actors, ref)
			}
		}
	default:
		if ref, ok := r.actorRef(id); ok && !slices.Contains(inc.Actors, ref) {
			inc.Actors = append(inc.Actors, ref)
		}
	}
	return i, true
}

// indicatedRank orders what an indicator indicates: the campaign first,
// then the malware, then the actor.
var indicatedRank = map[string]int{"campaign": 0, "incident": 0, "malware": 1, "intrusion-set": 2, "threat-actor": 3}

// incidentsOf returns the incidents an indicator belongs to: every campaign
// it indicates, else the malware, else the actor.
func (r *resolver) incidentsOf(indID string) []int {
	best := 99
	var ids []string
	for _, t := range r.targets(indID, "indicates") {
		rank, ok := indicatedRank[idType(t)]
		switch {
		case !ok || rank > best:
			continue
		case rank < best:
			best, ids = rank, nil
		}
		ids = append(ids, t)
	}
	var out []int
	for _, t := range ids {
		if i, ok := r.incidentFor(t); ok {
			out = append(out, i)
		}
	}
	if best == 0 {
		r.linkMalware(indID, out)
	}
	return out
}

// linkMalware adds malware an indicator also indicates to its campaigns.
func (r *resolver) linkMalware(indID string, incs []int) {
	for _, t := range r.targets(indID, "indicates") {
		if idType(t) == "malware" {
			for _, i := range incs {
				r.addMalware(&r.in.Incidents[i], t)
			}
		}
	}
}

// checkCycles warns about attribution loops (A attributed to B attributed
// to A); resolution never follows more than one step, so they cannot hang.
func (r *resolver) checkCycles() {
	for _, start := range sortedIDs(r.out) {
		seen := map[string]bool{start: true}
		stack := r.targets(start, "attributed-to")
		for steps := 0; len(stack) > 0 && steps < 10000; steps++ {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == start {
				r.b.warn(0, "circular attributed-to relationships through %s", start)
				break
			}
			if !seen[n] {
				seen[n] = true
				stack = append(stack, r.targets(n, "attributed-to")...)
			}
		}
	}
}

func (r *resolver) indicators() {
	for _, rec := range r.b.inds {
		srcs := r.sourcesOfOwn(rec.createdBy, rec.srcRefs, rec.own)
		incs := r.incidentsOf(rec.id)
		extra := r.reports[rec.id]
		tags := []string(nil)
		if r.b.sightings[rec.id] > 0 {
			tags = []string{"sighted"}
		}
		for _, ind := range rec.out {
			ind.Sources = srcs
			ind.References = append(slices.Clip(ind.References), extra...)
			ind.Tags = append(slices.Clip(ind.Tags), tags...)
			if len(incs) == 0 {
				r.in.Indicators = append(r.in.Indicators, ind)
				continue
			}
			for k, i := range incs {
				c := ind
				c.Incident = r.in.Incidents[i].ID
				if k > 0 {
					c.ID = ind.ID + "@" + c.Incident
				}
				r.in.Indicators = append(r.in.Indicators, c)
			}
		}
	}
}
