package server

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// matchObs confirms observations with the row-level matchers scan uses,
// each at the time it was last seen on its host. Findings are keyed by
// the host's uid, so two hosts with one name never share a finding.
func matchObs(set *match.Set, obs []store.Obs) []store.Hit {
	var hits []store.Hit
	for i := range obs {
		o := &obs[i]
		var f finding.Finding
		var ok bool
		switch {
		case o.File != nil:
			f, ok = set.FileFinding(o.HostUID, o.File, o.At())
		case o.Software != nil:
			f, ok = set.SoftwareFinding(o.HostUID, o.Software, o.At())
		case o.Artifact != nil:
			f, ok = set.ArtifactFinding(o.HostUID, o.Artifact, o.At())
		}
		if !ok {
			continue
		}
		hits = append(hits, hitOn(o, f))
	}
	dateRuns(hits, obs)
	return joinContext(hits)
}

// dateRuns lets the execution evidence in the batch (Prefetch, BAM,
// UserAssist) date each host's findings on the programs it shows running
// (finding.RanSince), as a scan does.
func dateRuns(hits []store.Hit, obs []store.Obs) {
	arts := map[string][]snapshot.Artifact{}
	for i := range obs {
		if a := obs[i].Artifact; a != nil && a.Path != "" {
			arts[obs[i].HostUID] = append(arts[obs[i].HostUID], *a)
		}
	}
	if len(arts) == 0 {
		return
	}
	byHost := map[string][]*finding.Finding{}
	for i := range hits {
		byHost[hits[i].Finding.Host] = append(byHost[hits[i].Finding.Host], &hits[i].Finding)
	}
	for host, fs := range byHost {
		match.DateRuns(fs, arts[host])
	}
}

// joinContext applies the context rule to a batch of hits: a context-only
// finding (a file every install of a product has) is never stored on its
// own; when the batch holds a corroborated finding of its incident on the
// same host, it joins that finding's body as context (and may move its
// exposure start back). Its observation is not linked to that finding:
// a finding's observations are of one kind.
func joinContext(hits []store.Hit) []store.Hit {
	best := map[string]int{}
	key := func(h *store.Hit) string { return strconv.FormatInt(h.HostID, 10) + "\x00" + h.Finding.Incident.ID }
	for i := range hits {
		f := &hits[i].Finding
		if f.Corroborates() {
			if j, ok := best[key(&hits[i])]; !ok || f.OwnScore() > hits[j].Finding.OwnScore() {
				best[key(&hits[i])] = i
			}
		}
	}
	for i := range hits {
		f := &hits[i].Finding
		if f.ContextOnly() && f.Incident != nil {
			if j, ok := best[key(&hits[i])]; ok {
				hits[j].Finding.AddContext(f)
			}
		}
	}
	return slices.DeleteFunc(hits, func(h store.Hit) bool { return h.Finding.ContextOnly() })
}

// hitOn is a finding made from observation o, named for o's host.
func hitOn(o *store.Obs, f finding.Finding) store.Hit {
	if o.HostName != "" {
		f.Host = o.HostName
	}
	return store.Hit{Finding: f, HostID: o.HostID, ObsID: o.ID, ObsKind: o.Kind, Indicators: reasonIDs(f)}
}

// idSet is ids as a set, the form match.Set takes indicator ids in.
func idSet(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// matchHistories evaluates the multi-observation patterns of the
// indicators in ids over each host's history (one host's observations per
// entry): each observation from first to last seen.
func matchHistories(set *match.Set, ids []string, hosts [][]store.Obs) []store.Hit {
	if len(hosts) == 0 || len(ids) == 0 {
		return nil
	}
	only := idSet(ids)
	var hits []store.Hit
	for _, obs := range hosts {
		items := make([]match.HistoryItem, len(obs))
		for i := range obs {
			o := &obs[i]
			items[i] = match.HistoryItem{File: o.File, Software: o.Software, Artifact: o.Artifact, First: o.FirstSeen, Last: o.LastSeen}
		}
		for _, hh := range set.MatchHistory(obs[0].HostUID, items, only) {
			hits = append(hits, hitOn(&obs[hh.Item], hh.Finding))
		}
	}
	return hits
}

// reasonIDs names the indicators and advisories behind a finding, as
// revocations name them.
func reasonIDs(f finding.Finding) []string {
	ids := make([]string, 0, len(f.Reasons))
	for _, r := range f.Reasons {
		if r.Kind == "advisory" {
			ids = append(ids, "advisory:"+r.IndicatorID)
		} else {
			ids = append(ids, r.IndicatorID)
		}
	}
	return ids
}

func normalizeIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	return a.Unmap().String()
}
