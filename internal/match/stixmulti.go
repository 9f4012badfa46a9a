package match

import (
	"context"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// snapRow is an inventory row with the evidence it stands for.
type snapRow struct {
	row
	evidence finding.Evidence
	identity string
	at       time.Time // the match time: when the item was last seen
	src      int       // the item the row came from
}

// matchMulti evaluates the patterns that need several observations (ANDed
// or FOLLOWEDBY observation expressions, REPEATS, WITHIN) over the whole
// snapshot, one observation per inventory row.
func (s *Set) matchMulti(host string, snap *snapshot.Snapshot, at time.Time) []finding.Finding {
	if len(s.stix.multi) == 0 {
		return nil
	}
	var out []finding.Finding
	for _, h := range s.evalMulti(host, snapshotRows(snap, at), nil) {
		out = append(out, h.Finding)
	}
	return out
}

// HistoryItem is one item a host had, observed from First to Last: a
// file, a product or an artifact, open or gone.
type HistoryItem struct {
	File        *snapshot.File
	Software    *snapshot.Software
	Artifact    *snapshot.Artifact
	First, Last time.Time
}

// HistoryHit is a finding of MatchHistory and the item it cites.
type HistoryHit struct {
	Finding finding.Finding
	Item    int
}

// MultiIndicators lists the indicators whose STIX patterns need several
// observations at once: the ones Match evaluates over a whole snapshot
// and MatchHistory over a host's history.
func (s *Set) MultiIndicators() []string {
	var ids []string
	for _, ri := range s.stix.multi {
		ids = append(ids, s.in.Indicators[s.stix.rules[ri].ind].ID)
	}
	return ids
}

// HistoryKinds says which kinds of item the multi-observation patterns of
// the indicators in only (all when nil) can bind: an item is seen as the
// STIX objects its row builder makes (fileRow, softwareRow, artifactRow),
// and a pattern with no object of those types never binds it. A hunt
// loads only these kinds of a host's history; most of it is files.
func (s *Set) HistoryKinds(only map[string]bool) (files, software, artifacts bool) {
	for _, ri := range s.stix.multi {
		rule := s.stix.rules[ri]
		if only != nil && !only[s.in.Indicators[rule.ind].ID] {
			continue
		}
		for _, t := range rule.p.ObjectTypes() {
			switch t {
			case "file", "directory": // a download's saved file is one too
				files, artifacts = true, true
			case "software":
				software = true
			case "url", "domain-name", "ipv4-addr", "ipv6-addr":
				artifacts = true
			}
		}
	}
	return files, software, artifacts
}

// MatchHistory evaluates the patterns that need several observations, of
// the indicators in only (all when nil), over everything a host ever had:
// each item is one observation from when it was first seen to when it
// was last seen, so FOLLOWEDBY and WITHIN compare those times, and two
// items that were never there together can still satisfy an AND, as two
// snapshots' worth of intel would. The evidence is the first item bound,
// matched at the time it was last seen.
func (s *Set) MatchHistory(host string, items []HistoryItem, only map[string]bool) []HistoryHit {
	if len(s.stix.multi) == 0 {
		return nil
	}
	rows := make([]snapRow, 0, len(items))
	for i := range items {
		it := &items[i]
		switch {
		case it.File != nil:
			rows = append(rows, snapRow{fileRow(it.File, it.First, it.Last, nil), fileEvidence(it.File), "file:" + it.File.Path, it.Last, i})
		case it.Software != nil:
			rows = append(rows, snapRow{softwareRow(it.Software, it.First, it.Last, nil), softwareEvidence(it.Software),
				softwareIdentity(it.Software), it.Last, i})
		case it.Artifact != nil:
			d := artifactDomain(it.Artifact)
			rows = append(rows, snapRow{artifactRow(it.Artifact, d, it.First, it.Last, nil), artifactEvidence(it.Artifact, d),
				artifactIdentity(it.Artifact), it.Last, i})
		}
	}
	return s.evalMulti(host, rows, only)
}

// evalMulti evaluates the multi-observation patterns (of the indicators
// in only, or all) over rows. A pattern whose index keys occur in no row
// is not evaluated. A hit's Item is the src of the first row bound.
func (s *Set) evalMulti(host string, rows []snapRow, only map[string]bool) []HistoryHit {
	x := &s.stix
	present := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			present[k] = true
		}
	}
	var obs []stixpattern.Observation
	var obsRow []int
	var out []HistoryHit
	for _, ri := range x.multi {
		rule := x.rules[ri]
		if only != nil && !only[s.in.Indicators[rule.ind].ID] {
			continue
		}
		if !anyKeyPresent(rule.p, present) {
			continue
		}
		if obs == nil {
			obs, obsRow = s.buildObservations(rows)
		}
		res, err := rule.p.Evaluate(context.Background(), obs)
		if err != nil {
			x.problems.add(s, rule.ind, err)
			continue
		}
		if !res.Matched || len(res.Bindings) == 0 || len(res.Bindings[0].Observations) == 0 {
			continue
		}
		r := rows[obsRow[res.Bindings[0].Observations[0].Index]]
		var rs reasons
		rs.artifact = r.evidence.Kind == finding.EvidenceArtifact
		rs.add(s, rule.ind, "", r.at)
		if len(rs.list) > 0 {
			out = append(out, HistoryHit{s.newFinding(host, r.evidence, rs, "stix:"+s.in.Indicators[rule.ind].ID+"\x00"+r.identity), r.src})
		}
	}
	return out
}

func anyKeyPresent(p *stixpattern.Pattern, present map[string]bool) bool {
	keys, _ := p.IndexKeys()
	if keys == nil {
		return true
	}
	for _, k := range keys {
		if present[stixKey(k.Path.String(), k.Value)] {
			return true
		}
	}
	return false
}

func snapshotRows(snap *snapshot.Snapshot, at time.Time) []snapRow {
	rows := make([]snapRow, 0, len(snap.Files)+len(snap.Software)+len(snap.Artifacts))
	for i := range snap.Files {
		f := &snap.Files[i]
		rows = append(rows, snapRow{fileRow(f, at, at, nil), fileEvidence(f), "file:" + f.Path, at, len(rows)})
	}
	for i := range snap.Software {
		sw := &snap.Software[i]
		rows = append(rows, snapRow{softwareRow(sw, at, at, nil), softwareEvidence(sw), softwareIdentity(sw), at, len(rows)})
	}
	for i := range snap.Artifacts {
		a := &snap.Artifacts[i]
		d := artifactDomain(a)
		rows = append(rows, snapRow{artifactRow(a, d, at, at, nil), artifactEvidence(a, d), artifactIdentity(a), at, len(rows)})
	}
	return rows
}

// buildObservations returns the rows' observations and, for each, the row
// it came from (rows whose observation cannot be built are left out, and
// counted as problems).
func (s *Set) buildObservations(rows []snapRow) ([]stixpattern.Observation, []int) {
	obs := make([]stixpattern.Observation, 0, len(rows))
	idx := make([]int, 0, len(rows))
	for i, r := range rows {
		o, err := r.build()
		if err != nil {
			s.stix.problems.add(s, -1, err)
			continue
		}
		obs = append(obs, o)
		idx = append(idx, i)
	}
	return obs, idx
}
