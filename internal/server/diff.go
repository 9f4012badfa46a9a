package server

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
	"github.com/cascade-ir/cascade/internal/match"
)

// HuntSpec is what a retro-hunt must look at after an intel change: the
// new or changed indicators reduced to indexed selectors, whether an
// unindexable rule (a regex, a path glob, a signer, a CIDR) needs a scan,
// and the indicators whose findings must be re-evaluated because they were
// revoked, removed or changed.
type HuntSpec struct {
	Hashes        map[string][]string `json:"hashes,omitempty"` // digest type → hex digests
	Products      []string            `json:"products,omitempty"`
	Domains       []string            `json:"domains,omitempty"`
	IPs           []string            `json:"ips,omitempty"`
	ScanFiles     bool                `json:"scan_files,omitempty"`
	ScanArtifacts bool                `json:"scan_artifacts,omitempty"`
	Recheck       []string            `json:"recheck,omitempty"`
	// ScanSoftware walks every software observation: a new STIX pattern
	// over software objects has no cheaper selector.
	ScanSoftware bool `json:"scan_software,omitempty"`
	// Multi names the indicators whose STIX patterns need several
	// observations at once: each host's whole history is evaluated.
	Multi []string `json:"multi,omitempty"`
}

// Empty reports a change that needs no hunt.
func (h *HuntSpec) Empty() bool {
	return len(h.Hashes) == 0 && len(h.Products) == 0 && len(h.Domains) == 0 && len(h.IPs) == 0 &&
		!h.ScanFiles && !h.ScanArtifacts && !h.ScanSoftware && len(h.Recheck) == 0 && len(h.Multi) == 0
}

// indicatorFacts is an indicator reduced to what the diff needs.
type indicatorFacts struct {
	id          string
	ind         *intel.Indicator // nil for a hash-list entry
	typ         intel.Type
	value       string
	fingerprint string
}

// activeIndicators maps each active indicator's content key to its facts.
func activeIndicators(in *intel.Intel) map[string]indicatorFacts {
	out := map[string]indicatorFacts{}
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		if ind.Revoked {
			continue
		}
		fp, _ := json.Marshal(ind)
		out[ind.Key()] = indicatorFacts{ind.ID, ind, ind.Type, ind.Value, string(fp)}
	}
	for _, h := range in.HashLists {
		for i := range h.Len() {
			ind := h.Indicator(i)
			fp := ind.Description + "\x00" + ind.Incident + "\x00" + string(rune(ind.Score))
			out[ind.Key()] = indicatorFacts{ind.ID, nil, ind.Type, ind.Value, fp}
		}
	}
	return out
}

// diffIntel describes the hunt that takes the fleet from old to new intel.
func diffIntel(old, new *intel.Intel) *HuntSpec {
	spec := &HuntSpec{Hashes: map[string][]string{}}
	before, after := activeIndicators(old), activeIndicators(new)
	recheck := map[string]bool{}
	for k, f := range after {
		prev, had := before[k]
		if had && prev.fingerprint == f.fingerprint {
			continue
		}
		if had {
			recheck[prev.id] = true
		}
		spec.addIndicator(f)
	}
	for k, f := range before {
		if _, ok := after[k]; !ok {
			recheck[f.id] = true
		}
	}
	oldAdv, newAdv := advisoriesByID(old), advisoriesByID(new)
	for id, a := range newAdv {
		prev, had := oldAdv[id]
		if had && prev.fp == a.fp {
			continue
		}
		if had {
			recheck["advisory:"+id] = true
		}
		for _, n := range append([]string{a.adv.Product}, a.adv.Aliases...) {
			if k := ident.ProductKey(n); k != "" {
				spec.Products = append(spec.Products, k)
			}
		}
	}
	for id := range oldAdv {
		if _, ok := newAdv[id]; !ok {
			recheck["advisory:"+id] = true
		}
	}
	for id := range recheck {
		spec.Recheck = append(spec.Recheck, id)
	}
	spec.normalize()
	return spec
}

func (spec *HuntSpec) addIndicator(f indicatorFacts) {
	switch f.typ {
	case intel.SHA256, intel.SHA1, intel.MD5:
		spec.Hashes[string(f.typ)] = append(spec.Hashes[string(f.typ)], strings.ToLower(f.value))
	case intel.Domain:
		spec.Domains = append(spec.Domains, strings.TrimSuffix(strings.ToLower(f.value), "."))
	case intel.URL:
		if h := urlIndicatorHost(f.value); h != "" {
			spec.Domains = append(spec.Domains, h)
		} else {
			spec.ScanArtifacts = true
		}
	case intel.IP:
		if strings.Contains(f.value, "/") {
			spec.ScanArtifacts = true
		} else {
			spec.IPs = append(spec.IPs, normalizeIP(f.value))
		}
	case intel.Filename, intel.Path, intel.Signer:
		spec.ScanFiles = true
	case intel.STIX:
		if f.ind != nil {
			spec.addPattern(f.id, f.ind.Pattern)
		}
	}
}

// addPattern selects what a STIX pattern that stayed a pattern (not
// simplified into native indicators) must be evaluated on: every
// observation of the kinds whose STIX objects it names, each confirmed by
// the row-level matcher; or, for a pattern that needs several
// observations at once (several [ ] expressions, or a qualifier), every
// host's whole history.
func (spec *HuntSpec) addPattern(id, pattern string) {
	p, err := stixpattern.Parse(pattern)
	if err != nil {
		return
	}
	if !match.SingleObservation(p) {
		spec.Multi = append(spec.Multi, id)
		return
	}
	for _, t := range p.ObjectTypes() {
		switch t {
		case "file", "directory":
			spec.ScanFiles = true
		case "software":
			spec.ScanSoftware = true
		case "domain-name", "url", "ipv4-addr", "ipv6-addr":
			spec.ScanArtifacts = true
		}
	}
}

// urlIndicatorHost is the host a URL indicator matches on.
func urlIndicatorHost(v string) string {
	v = strings.NewReplacer("%d", "0", "%s", "x").Replace(v)
	u, err := url.Parse(intel.NormalizeURL(v))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

type advFacts struct {
	adv *intel.Advisory
	fp  string
}

func advisoriesByID(in *intel.Intel) map[string]advFacts {
	out := map[string]advFacts{}
	for i := range in.Advisories {
		a := &in.Advisories[i]
		fp, _ := json.Marshal(a)
		out[a.ID] = advFacts{a, string(fp)}
	}
	return out
}

// normalize sorts and deduplicates every list, so specs compare and
// resume deterministically.
func (spec *HuntSpec) normalize() {
	for t, v := range spec.Hashes {
		spec.Hashes[t] = uniq(v)
	}
	if len(spec.Hashes) == 0 {
		spec.Hashes = nil
	}
	spec.Products, spec.Domains, spec.IPs, spec.Recheck = uniq(spec.Products), uniq(spec.Domains), uniq(spec.IPs), uniq(spec.Recheck)
	spec.Multi = uniq(spec.Multi)
}

func uniq(v []string) []string {
	sort.Strings(v)
	return slices.Compact(v)
}
