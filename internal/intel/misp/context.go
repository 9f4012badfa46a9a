package misp

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// actorGalaxies are galaxy types whose clusters name threat actors;
// malwareGalaxies name malware and tools.
var (
	actorGalaxies = map[string]string{"threat-actor": "threat-actor", "mitre-intrusion-set": "intrusion-set",
		"mitre-enterprise-attack-intrusion-set": "intrusion-set", "microsoft-activity-group": "intrusion-set"}
	malwareGalaxies = map[string]bool{"malpedia": true, "mitre-malware": true, "mitre-tool": true, "tool": true,
		"ransomware": true, "backdoor": true, "rat": true, "stealer": true, "botnet": true, "mitre-enterprise-attack-malware": true}
)

// context reads tags and galaxies: TLP and other tags label the event's
// indicators; galaxy clusters become actors (with their synonyms as
// aliases, attributed to the event's organisation) and malware names.
func (c *converter) context(tags []tag, galaxies []galaxy) {
	for _, g := range galaxies {
		for i := range g.Clusters {
			cl := &g.Clusters[i]
			typ := cl.Type
			if typ == "" {
				typ = g.Type
			}
			c.cluster(typ, cl.Value, cl.Description, cl.strings("synonyms"))
		}
	}
	for _, t := range tags {
		if typ, value, ok := galaxyTag(t.Name); ok {
			c.cluster(typ, value, "", nil)
			continue
		}
		if t.Name != "" {
			c.tags = appendNew(c.tags, t.Name)
		}
	}
}

func (c *converter) cluster(typ, value, desc string, synonyms []string) {
	if value == "" {
		return
	}
	kind, isActor := actorGalaxies[typ]
	if !isActor && !malwareGalaxies[typ] {
		return
	}
	if !isActor {
		kind = "malware"
		c.inc.Malware = appendNew(c.inc.Malware, value)
	}
	id := "misp-galaxy:" + typ + ":" + strings.ToLower(value)
	a := intel.Actor{ID: id, Name: value, Kind: kind, Description: desc, Sources: []string{c.src}}
	for _, n := range append([]string{value}, synonyms...) {
		if n = strings.TrimSpace(n); n != "" {
			a.Aliases = append(a.Aliases, intel.Alias{Name: n, Source: c.org})
		}
	}
	c.in.Merge(&intel.Intel{Actors: []intel.Actor{a}})
	if isActor {
		c.inc.Actors = appendNew(c.inc.Actors, id)
	}
}

// galaxyTag reads a tag of the form misp-galaxy:TYPE="VALUE".
func galaxyTag(name string) (typ, value string, ok bool) {
	rest, ok := strings.CutPrefix(name, "misp-galaxy:")
	if !ok {
		return "", "", false
	}
	typ, value, ok = strings.Cut(rest, "=")
	value = strings.Trim(value, `"`)
	return typ, value, ok && value != ""
}

func isGalaxyTag(name string) bool { return strings.HasPrefix(name, "misp-galaxy:") }
