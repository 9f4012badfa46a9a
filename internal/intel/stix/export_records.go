package stix

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

type actorObj struct {
	common
	Name         string     `json:"name"`
	Description  string     `json:"description,omitempty"`
	Aliases      []string   `json:"aliases,omitempty"`
	IsFamily     *bool      `json:"is_family,omitempty"`
	XID          string     `json:"x_cascade_id"`
	XKind        string     `json:"x_cascade_kind,omitempty"`
	XAliases     []xAlias   `json:"x_cascade_aliases"`
	ExternalRefs []extRef   `json:"external_references,omitempty"`
	XIncident    *xIncident `json:"x_cascade_incident,omitempty"`
}

// stixActorType picks the STIX object for an actor kind.
func stixActorType(kind string) string {
	switch kind {
	case "threat-actor", "campaign", "malware":
		return kind
	}
	return "intrusion-set"
}

func (e *exporter) actors() {
	yes := true
	for _, a := range e.in.Actors {
		typ := stixActorType(a.Kind)
		id := sdoID(typ, a.ID)
		e.actorSDO[a.ID] = id
		obj := actorObj{common: e.common(typ, id, a.Sources), Name: a.Name, Description: a.Description,
			XID: a.ID, XKind: a.Kind, XAliases: []xAlias{}}
		if typ == "malware" {
			obj.IsFamily = &yes
		}
		for _, al := range a.Aliases {
			obj.XAliases = append(obj.XAliases, xAlias(al))
			if !containsStr(obj.Aliases, al.Name) {
				obj.Aliases = append(obj.Aliases, al.Name)
			}
		}
		e.add(id, obj, nil)
	}
}

// incidents become campaigns attributed to their actors and using their
// malware.
func (e *exporter) incidents() {
	e.incSDO = map[string]string{}
	yes := true
	for _, inc := range e.in.Incidents {
		id := sdoID("campaign", "incident", inc.ID)
		e.incSDO[inc.ID] = id
		x := &xIncident{Remediation: inc.Remediation, Related: inc.Related, Malware: inc.Malware, Actors: inc.Actors, Relations: inc.Relations}
		if !inc.Disclosed.IsZero() {
			x.Disclosed = inc.Disclosed.UTC().Format(tsLayout)
		}
		e.add(id, actorObj{common: e.common("campaign", id, inc.Sources), Name: inc.Name, Description: inc.Summary,
			XID: inc.ID, XKind: kindIncident, XAliases: []xAlias{}, ExternalRefs: externalRefs(inc.References), XIncident: x}, nil)
		for _, a := range inc.Actors {
			if sdo, ok := e.actorSDO[a]; ok {
				e.relate("attributed-to", id, sdo)
			}
		}
		for _, m := range inc.Malware {
			mid := sdoID("malware", inc.ID, m)
			e.add(mid, actorObj{common: e.common("malware", mid, inc.Sources), Name: m, IsFamily: &yes,
				XKind: kindIncidentMalware, XAliases: []xAlias{}}, nil)
			e.relate("uses", id, mid)
		}
	}
	// Ties between incidents are STIX related-to relationships between
	// their campaigns too, so a reader that ignores cascade's extension
	// still sees them; the relationship's description is the tie's
	// wording and its reference the source. cascade's own import reads
	// the extension and gets the same ties.
	for _, inc := range e.in.Incidents {
		for _, other := range inc.Related {
			dst, ok := e.incSDO[other]
			if !ok || other == inc.ID {
				continue
			}
			desc, refs := "", []string(nil)
			if rel := inc.RelationTo(other); rel != nil {
				desc = rel.Relation
				if rel.Reference != "" {
					refs = []string{rel.Reference}
				}
			}
			e.relateWith("related-to", e.incSDO[inc.ID], dst, desc, refs)
		}
	}
}

type indicatorObj struct {
	common
	Name           string   `json:"name,omitempty"`
	Description    string   `json:"description,omitempty"`
	IndicatorTypes []string `json:"indicator_types,omitempty"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	PatternVersion string   `json:"pattern_version,omitempty"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until,omitempty"`
	Revoked        bool     `json:"revoked,omitempty"`
	Labels         []string `json:"labels,omitempty"`
	ExternalRefs   []extRef `json:"external_references,omitempty"`
	XID            string   `json:"x_cascade_id"`
	XScore         int      `json:"x_cascade_score"`
	XFP            string   `json:"x_cascade_false_positive,omitempty"`
	// XSameFile keeps a digest indicator's same-file digests, which a
	// plain hash pattern cannot say.
	XSameFile map[intel.Type]string `json:"x_cascade_same_file,omitempty"`
	// XFileTypes keeps the file types a digest indicator is scoped to.
	XFileTypes []string `json:"x_cascade_file_types,omitempty"`
}

func (e *exporter) indicators() error {
	for i := range e.in.Indicators {
		if err := e.indicator(&e.in.Indicators[i]); err != nil {
			return err
		}
	}
	for _, h := range e.in.HashLists {
		for i := range h.Len() {
			ind := h.Indicator(i)
			if err := e.indicator(&ind); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *exporter) indicator(ind *intel.Indicator) error {
	pattern, ptype, err := patternFor(ind)
	if err != nil {
		return fmt.Errorf("export indicator %s: %w", ind.ID, err)
	}
	id := sdoID("indicator", ind.ID, ind.Key(), ind.Incident)
	obj := indicatorObj{common: e.common("indicator", id, ind.Sources), Name: indicatorName(ind), Description: ind.Description,
		Pattern: pattern, PatternType: ptype, ValidFrom: epoch.Format(tsLayout), Revoked: ind.Revoked, Labels: ind.Tags,
		ExternalRefs: externalRefs(ind.References), XID: ind.ID, XScore: ind.Score, XFP: ind.FalsePositive, XSameFile: ind.SameFile,
		XFileTypes: ind.FileTypes}
	if ptype == "stix" {
		obj.PatternVersion = "2.1"
	}
	obj.IndicatorTypes = []string{"malicious-activity"}
	if !ind.ValidFrom.IsZero() {
		obj.ValidFrom = ind.ValidFrom.UTC().Format(tsLayout)
	}
	if !ind.ValidUntil.IsZero() {
		obj.ValidUntil = ind.ValidUntil.UTC().Format(tsLayout)
	}
	if err := e.add(id, obj, ind.Custom); err != nil {
		return err
	}
	if inc, ok := e.incSDO[ind.Incident]; ok {
		e.relate("indicates", id, inc)
	}
	return nil
}

func indicatorName(ind *intel.Indicator) string {
	v := ind.Value
	if v == "" {
		v = ind.ID
	}
	if len(v) > 120 {
		v = v[:120]
	}
	return string(ind.Type) + " " + v
}

// patternFor returns the STIX pattern equivalent to a native indicator, or
// cascade's own pattern type for the kinds STIX cannot express.
func patternFor(ind *intel.Indicator) (pattern, ptype string, err error) {
	q := quote(ind.Value)
	switch ind.Type {
	case intel.SHA256:
		return "[file:hashes.'SHA-256' = " + q + "]", "stix", nil
	case intel.SHA1:
		return "[file:hashes.'SHA-1' = " + q + "]", "stix", nil
	case intel.MD5:
		return "[file:hashes.MD5 = " + q + "]", "stix", nil
	case intel.Domain:
		return domainTreePattern(ind.Value), "stix", nil
	case intel.URL:
		return ind.Value, xURL, nil
	case intel.IP:
		return ipPattern(ind.Value)
	case intel.Filename:
		if name, ok := exactName(ind.Value); ok && ind.FalsePositive == "" {
			return "[file:name = " + quote(name) + "]", "stix", nil
		}
		return ind.Value, xFilename, nil
	case intel.Path:
		return ind.Value, xPath, nil
	case intel.Signer:
		b, err := json.Marshal(ind.Signer)
		return string(b), xSigner, err
	case intel.STIX:
		return ind.Pattern, "stix", nil
	case intel.YARA:
		return ind.Pattern, "yara", nil
	case intel.OtherPattern:
		return ind.Pattern, ind.PatternType, nil
	}
	return "", "", fmt.Errorf("unknown type %q", ind.Type)
}

func ipPattern(v string) (string, string, error) {
	p, err := intel.ParseCIDROrAddr(v)
	if err != nil {
		return "", "", err
	}
	typ := "ipv4-addr"
	if p.Addr().Is6() {
		typ = "ipv6-addr"
	}
	if strings.Contains(v, "/") {
		return "[" + typ + ":value ISSUBSET " + quote(v) + "]", "stix", nil
	}
	if _, err := netip.ParseAddr(v); err != nil {
		return "", "", err
	}
	return "[" + typ + ":value = " + quote(v) + "]", "stix", nil
}

// quote writes a STIX string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func isURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && !strings.ContainsAny(s, " \t\n")
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
