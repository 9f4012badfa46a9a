// Package knowledge is one view of who is behind what: the actors,
// intrusion sets, campaigns and malware of every loaded source, merged
// where they share a name (case- and space-insensitively), each alias
// keeping the source that uses it. Incidents attributed to actors that no
// source names as one are kept apart and reported as conflicts, never
// merged.
package knowledge

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Entity is one actor, campaign or malware family as all sources together
// describe it.
type Entity struct {
	Name  string   // the name of its first record
	Class string   // actor, campaign or malware
	Kinds []string // the record kinds merged (intrusion-set, threat-actor, …)
	// Actors are the IDs of the model records merged into this entity.
	Actors  []string
	Aliases []intel.Alias
	Sources []string
	// Descriptions are the records' descriptions, one per record that has one.
	Descriptions []string
	// Incidents are the IDs of incidents attributed to it.
	Incidents []string
}

// Conflict is an incident that sources attribute to different actors, not
// known to be the same.
type Conflict struct {
	Incident string
	Name     string
	Claims   []Claim
}

// Claim is one attribution of a conflicting incident.
type Claim struct {
	Entity  string   // entity name
	Actors  []string // actor IDs the incident names
	Sources []string // sources describing those actors
}

// Model is the merged view.
type Model struct {
	Entities  []Entity
	Conflicts []Conflict
	byActor   map[string]int
	byName    map[string][]int
}

// Normalize is the key two names must share to be one alias: lower case,
// without white space.
func Normalize(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// Class groups record kinds that may be merged with each other.
func Class(kind string) string {
	switch kind {
	case "campaign":
		return "campaign"
	case "malware", "tool":
		return "malware"
	}
	return "actor"
}

// Build merges the actors of in.
func Build(in *intel.Intel) *Model {
	uf := newUnionFind(len(in.Actors))
	first := map[string]int{} // class + normalized alias → first actor index
	for i, a := range in.Actors {
		for _, n := range names(&a) {
			k := Class(a.Kind) + "\x00" + Normalize(n)
			if j, ok := first[k]; ok {
				uf.union(j, i)
			} else {
				first[k] = i
			}
		}
	}
	m := &Model{byActor: map[string]int{}, byName: map[string][]int{}}
	root := map[int]int{} // union-find root → entity index
	for i := range in.Actors {
		r := uf.find(i)
		e, ok := root[r]
		if !ok {
			e = len(m.Entities)
			root[r] = e
			m.Entities = append(m.Entities, Entity{Name: in.Actors[i].Name, Class: Class(in.Actors[i].Kind)})
		}
		m.Entities[e].add(&in.Actors[i])
		m.byActor[in.Actors[i].ID] = e
	}
	for e := range m.Entities {
		for _, al := range m.Entities[e].Aliases {
			k := Normalize(al.Name)
			if !slices.Contains(m.byName[k], e) {
				m.byName[k] = append(m.byName[k], e)
			}
		}
	}
	m.attribute(in)
	return m
}

// names are the names an actor goes by: its name and every alias.
func names(a *intel.Actor) []string {
	out := []string{a.Name}
	for _, al := range a.Aliases {
		out = append(out, al.Name)
	}
	return out
}

func (e *Entity) add(a *intel.Actor) {
	e.Actors = append(e.Actors, a.ID)
	if a.Kind != "" && !slices.Contains(e.Kinds, a.Kind) {
		e.Kinds = append(e.Kinds, a.Kind)
	}
	for _, al := range append([]intel.Alias{{Name: a.Name}}, a.Aliases...) {
		if al.Source == "" && len(a.Aliases) > 0 {
			continue // the record's name, already listed with its source
		}
		if !slices.ContainsFunc(e.Aliases, func(x intel.Alias) bool {
			return Normalize(x.Name) == Normalize(al.Name) && x.Source == al.Source
		}) {
			e.Aliases = append(e.Aliases, al)
		}
	}
	for _, s := range a.Sources {
		if !slices.Contains(e.Sources, s) {
			e.Sources = append(e.Sources, s)
		}
	}
	if a.Description != "" && !slices.Contains(e.Descriptions, a.Description) {
		e.Descriptions = append(e.Descriptions, a.Description)
	}
}

// attribute links incidents to entities and finds conflicting ones.
func (m *Model) attribute(in *intel.Intel) {
	for _, inc := range in.Incidents {
		claims := map[int]*Claim{}
		var order []int
		for _, id := range inc.Actors {
			e, ok := m.byActor[id]
			if !ok {
				continue
			}
			if !slices.Contains(m.Entities[e].Incidents, inc.ID) {
				m.Entities[e].Incidents = append(m.Entities[e].Incidents, inc.ID)
			}
			if m.Entities[e].Class != "actor" {
				continue // a campaign or malware name is context, not an attribution
			}
			c, ok := claims[e]
			if !ok {
				c = &Claim{Entity: m.Entities[e].Name}
				claims[e] = c
				order = append(order, e)
			}
			c.Actors = append(c.Actors, id)
			if a := in.Actor(id); a != nil {
				for _, s := range a.Sources {
					if !slices.Contains(c.Sources, s) {
						c.Sources = append(c.Sources, s)
					}
				}
			}
		}
		if disagree(claims, order) {
			cf := Conflict{Incident: inc.ID, Name: inc.Name}
			for _, e := range order {
				cf.Claims = append(cf.Claims, *claims[e])
			}
			m.Conflicts = append(m.Conflicts, cf)
		}
	}
}

// disagree reports whether two claims come from sources that share none:
// one source naming two actors for an incident says they worked together,
// two sources naming different actors disagree.
func disagree(claims map[int]*Claim, order []int) bool {
	for i, a := range order {
		for _, b := range order[i+1:] {
			if !slices.ContainsFunc(claims[a].Sources, func(s string) bool { return slices.Contains(claims[b].Sources, s) }) {
				return true
			}
		}
	}
	return false
}

// Find returns the entities a name or actor ID refers to; a name shared by
// entities of different classes (a campaign and malware of one name)
// returns each.
func (m *Model) Find(nameOrID string) []*Entity {
	if e, ok := m.byActor[nameOrID]; ok {
		return []*Entity{&m.Entities[e]}
	}
	var out []*Entity
	for _, e := range m.byName[Normalize(nameOrID)] {
		out = append(out, &m.Entities[e])
	}
	return out
}

// Of returns the entity an actor record was merged into, or nil.
func (m *Model) Of(actorID string) *Entity {
	if e, ok := m.byActor[actorID]; ok {
		return &m.Entities[e]
	}
	return nil
}

// AliasNames lists an entity's distinct names, sorted.
func (e *Entity) AliasNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, al := range e.Aliases {
		if k := Normalize(al.Name); !seen[k] {
			seen[k] = true
			out = append(out, al.Name)
		}
	}
	sort.Strings(out)
	return out
}

type unionFind []int

func newUnionFind(n int) unionFind {
	uf := make(unionFind, n)
	for i := range uf {
		uf[i] = i
	}
	return uf
}

func (uf unionFind) find(i int) int {
	for uf[i] != i {
		uf[i] = uf[uf[i]]
		i = uf[i]
	}
	return i
}

// union keeps the smaller index as root, so an entity is named after its
// first record.
func (uf unionFind) union(a, b int) {
	ra, rb := uf.find(a), uf.find(b)
	if ra < rb {
		uf[rb] = ra
	} else if rb < ra {
		uf[ra] = rb
	}
}
