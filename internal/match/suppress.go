package match

import (
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/warninglist"
)

// suppressor applies warninglists: a reason whose indicator value, or the
// evidence it matched, is on a list is a likely false positive.
type suppressor struct{ set *warninglist.Set }

func newSuppressor(in *intel.Intel) (suppressor, error) {
	if len(in.Warninglists) == 0 {
		return suppressor{}, nil
	}
	set, err := warninglist.Compile(in.Warninglists)
	return suppressor{set}, err
}

// filter removes suppressed reasons. When every reason is suppressed it
// keeps them all and returns the name of the list that suppressed the
// first, so the finding can be shown as suppressed when asked for.
func (sp suppressor) filter(rs reasons, ev finding.Evidence) (reasons, string) {
	if sp.set.Len() == 0 || len(rs.list) == 0 {
		return rs, ""
	}
	evList, evHit := sp.evidence(ev)
	var kept reasons
	first := ""
	for i, r := range rs.list {
		name, hit := "", false
		if isIndicatorKind(r.Kind) {
			name, hit = sp.set.Suppresses(intel.Type(r.Kind), r.Matched)
			if !hit && evHit {
				name, hit = evList, true
			}
		}
		if hit {
			if first == "" {
				first = name
			}
			continue
		}
		kept.list = append(kept.list, r)
		kept.ctx = append(kept.ctx, rs.ctx[i])
	}
	if len(kept.list) == 0 {
		return rs, first
	}
	kept.seen = rs.seen
	return kept, ""
}

// evidence checks the observed values themselves.
func (sp suppressor) evidence(ev finding.Evidence) (string, bool) {
	checks := []struct {
		t intel.Type
		v string
	}{{intel.SHA256, ev.SHA256}, {intel.SHA1, ev.SHA1}, {intel.MD5, ev.MD5},
		{intel.Domain, ev.Domain}, {intel.URL, ev.URL}, {intel.IP, ev.IP}}
	for _, c := range checks {
		if name, ok := sp.set.Suppresses(c.t, c.v); ok {
			return name, true
		}
	}
	return "", false
}

// isIndicatorKind: advisories and anomalies are never suppressed by a
// value list.
func isIndicatorKind(kind string) bool {
	switch intel.Type(kind) {
	case intel.SHA256, intel.SHA1, intel.MD5, intel.Domain, intel.URL, intel.IP, intel.Filename, intel.Path:
		return true
	}
	return false
}

// Suppressed marks how a finding's Suppressed field reads for a list.
func suppressedBy(name string) string { return "warninglist " + name }
