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
}

// matchMulti evaluates the patterns that need several observations (ANDed
// or FOLLOWEDBY observation expressions, REPEATS, WITHIN) over the whole
// snapshot, one observation per inventory row. A pattern whose index keys
// occur nowhere in the snapshot is not evaluated. The finding's evidence is
// the first observation bound to the pattern.
func (s *Set) matchMulti(host string, snap *snapshot.Snapshot, at time.Time) []finding.Finding {
	x := &s.stix
	if len(x.multi) == 0 {
		return nil
	}
	rows := snapshotRows(snap, at)
	present := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			present[k] = true
		}
	}
	var obs []stixpattern.Observation
	var obsRow []int
	var out []finding.Finding
	for _, ri := range x.multi {
		rule := x.rules[ri]
		if !anyKeyPresent(rule.p, present) {
			continue
		}
		if obs == nil {
			obs, obsRow = buildObservations(rows)
		}
		res, err := rule.p.Evaluate(context.Background(), obs)
		if err != nil || !res.Matched || len(res.Bindings) == 0 || len(res.Bindings[0].Observations) == 0 {
			continue
		}
		r := rows[obsRow[res.Bindings[0].Observations[0].Index]]
		var rs reasons
		rs.artifact = r.evidence.Kind == finding.EvidenceArtifact
		rs.add(s, rule.ind, "", at)
		if len(rs.list) > 0 {
			out = append(out, s.newFinding(host, r.evidence, rs, "stix:"+s.in.Indicators[rule.ind].ID+"\x00"+r.identity))
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
		rows = append(rows, snapRow{fileRow(f, at, nil), fileEvidence(f), "file:" + f.Path})
	}
	for i := range snap.Software {
		sw := &snap.Software[i]
		rows = append(rows, snapRow{softwareRow(sw, at, nil), softwareEvidence(sw), softwareIdentity(sw)})
	}
	for i := range snap.Artifacts {
		a := &snap.Artifacts[i]
		d := artifactDomain(a)
		rows = append(rows, snapRow{artifactRow(a, d, at, nil), artifactEvidence(a, d), artifactIdentity(a)})
	}
	return rows
}

// buildObservations returns the rows' observations and, for each, the row
// it came from (rows whose observation cannot be built are left out).
func buildObservations(rows []snapRow) ([]stixpattern.Observation, []int) {
	obs := make([]stixpattern.Observation, 0, len(rows))
	idx := make([]int, 0, len(rows))
	for i, r := range rows {
		o, err := r.build()
		if err != nil {
			continue
		}
		obs = append(obs, o)
		idx = append(idx, i)
	}
	return obs, idx
}
