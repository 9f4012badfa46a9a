package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func (s *Store) scanFinding(sc interface{ Scan(...any) error }) (fleet.Finding, error) {
	var f fleet.Finding
	var hostName string
	var hostLast, stateAt, first, last, detected, updated int64
	var present, retracted int
	var body []byte
	err := sc.Scan(&f.ID, &f.HostID, &f.HostUID, &hostName, &hostLast, &body, &f.State, &f.StateReason, &f.StateBy,
		&stateAt, &first, &last, &present, &detected, &updated, &f.Origin, &retracted)
	if err != nil {
		return f, err
	}
	id := f.ID
	if err := s.decodeFinding(id, body, &f); err != nil {
		return f, fmt.Errorf("finding %s body: %w", id, err)
	}
	f.ID, f.Host = id, hostName
	if f.Host == "" {
		f.Host = f.HostUID
	}
	f.Present, f.Retracted = present == 1, retracted == 1
	f.FirstSeen, f.LastSeen = tm(first), tm(last)
	if f.Present {
		f.LastSeen = tm(hostLast)
	}
	f.StateAt, f.DetectedAt, f.UpdatedAt = tm(stateAt), tm(detected), tm(updated)
	return f, nil
}

// ListFindings lists findings, most severe first, with the total count.
func (s *Store) ListFindings(ctx context.Context, q store.FindingQuery) ([]fleet.Finding, int, error) {
	where, args := s.findingWhere(q)
	from := "findings f" // only a search by host name needs the hosts
	if q.Search != "" {
		from += " JOIN hosts h ON h.id = f.host_id"
	}
	total, err := s.total(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("count findings: %w", err)
	}
	pg, pargs := page(clampLimit(q.Limit, 100, 100000), q.Offset)
	rows, err := s.query(ctx, s.db, "SELECT "+findingCols+" WHERE "+where+" ORDER BY f.score DESC, f.detected_at DESC, f.id"+pg,
		append(args, pargs...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	var out []fleet.Finding
	for rows.Next() {
		f, err := s.scanFinding(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, f)
	}
	return out, total, s.wrap(rows.Err())
}

func (s *Store) findingWhere(q store.FindingQuery) (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if q.HostID != 0 {
		add("f.host_id = ?", q.HostID)
	}
	switch {
	case q.Unattributed:
		add("f.incident = ''")
	case q.Incident != "":
		add("f.incident = ?", q.Incident)
	}
	if len(q.States) > 0 {
		c, a := inList(s.d, "f.state", q.States)
		add(c, a...)
	}
	if q.MinScore > 0 {
		add("f.score >= ?", q.MinScore)
	}
	if q.PresentOnly {
		add("f.present = 1")
	}
	if !q.Retracted {
		add("f.retracted = 0")
	}
	if q.Assignee != "" {
		add("f.id IN (SELECT subject FROM triage_assignments WHERE kind = ? AND assignee = ?)", fleet.SubjectFinding, q.Assignee)
	}
	if q.Search != "" {
		l := likeEscape(q.Search)
		add("(f.title "+s.d.ILike+` ? ESCAPE '\' OR h.name `+s.d.ILike+` ? ESCAPE '\')`, l, l)
	}
	return strings.Join(conds, " AND "), args
}

// Finding returns one finding.
func (s *Store) Finding(ctx context.Context, id string) (fleet.Finding, error) {
	f, err := s.scanFinding(s.row(ctx, s.db, "SELECT "+findingCols+" WHERE f.id = ?", id))
	if err != nil {
		return f, fmt.Errorf("finding %s: %w", id, s.wrap(err))
	}
	return f, nil
}

// FindingEvidence returns the observations behind a finding.
func (s *Store) FindingEvidence(ctx context.Context, id string) ([]store.Obs, error) {
	return s.evidence(ctx, s.db, id)
}

func (s *Store) evidence(ctx context.Context, e execer, id string) ([]store.Obs, error) {
	var kind string
	if err := s.row(ctx, e, "SELECT kind FROM findings WHERE id = ?", id).Scan(&kind); err != nil {
		return nil, fmt.Errorf("finding %s: %w", id, s.wrap(err))
	}
	t, err := tableFor(kind)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, e, "SELECT "+t.selectList()+t.from()+
		"WHERE o.id IN (SELECT obs_id FROM finding_obs WHERE finding_id = ?) ORDER BY o.first_seen", id)
	if err != nil {
		return nil, err
	}
	return s.scanObs(t, rows)
}

// FindingEvents lists a finding's state changes, oldest first.
func (s *Store) FindingEvents(ctx context.Context, id string) ([]fleet.FindingEvent, error) {
	rows, err := s.query(ctx, s.db, `SELECT at, actor, from_state, to_state, reason FROM finding_events
		WHERE finding_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.FindingEvent
	for rows.Next() {
		var e fleet.FindingEvent
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.From, &e.To, &e.Reason); err != nil {
			return nil, err
		}
		e.At = tm(at)
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

// Incidents summarizes findings by incident. The summary is cached (see
// summaryCache): it is current for this process's writes and at most
// summaryMaxAge old for other replicas'.
func (s *Store) Incidents(ctx context.Context) ([]fleet.Incident, error) {
	v, err := s.incidents.get("", s.writeCounts, func() ([]fleet.Incident, error) { return s.incidentSummary(ctx) })
	if v == nil && err == nil {
		v = []fleet.Incident{}
	}
	return slices.Clone(v), err // the caller's own copy
}

func (s *Store) incidentSummary(ctx context.Context) ([]fleet.Incident, error) {
	rows, err := s.query(ctx, s.db, `SELECT f.incident, COUNT(*), COUNT(DISTINCT f.host_id),
		COUNT(DISTINCT CASE WHEN f.present = 1 THEN f.host_id END), MAX(f.score), MIN(f.first_seen),
		MAX(CASE WHEN f.present = 1 THEN h.last_seen ELSE f.last_seen END),
		MIN(CASE WHEN f.exposed_since > 0 THEN f.exposed_since END)
		FROM findings f JOIN hosts h ON h.id = f.host_id
		WHERE f.retracted = 0 AND f.state <> 'false_positive'
		GROUP BY f.incident ORDER BY MAX(f.score) DESC, f.incident`)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	defer rows.Close()
	var out []fleet.Incident
	for rows.Next() {
		var in fleet.Incident
		var first, last int64
		var exposed sql.NullInt64
		if err := rows.Scan(&in.ID, &in.Findings, &in.HostsEver, &in.HostsNow, &in.MaxScore, &first, &last, &exposed); err != nil {
			return nil, err
		}
		in.FirstSeen, in.LastSeen, in.ExposedSince = tm(first), tm(last), tmNull(exposed)
		out = append(out, in)
	}
	return out, s.wrap(rows.Err())
}

// decodeFinding decodes a stored finding body, cached by its content.
func (s *Store) decodeFinding(id string, body []byte, f *fleet.Finding) error {
	h := fnv.New64a()
	h.Write(body)
	key := "finding:" + id + ":" + strconv.FormatUint(h.Sum64(), 16)
	if v, ok := s.cache.get(key); ok {
		f.Finding = v.(finding.Finding)
		return nil
	}
	if err := json.Unmarshal(body, &f.Finding); err != nil {
		return err
	}
	s.cache.put(key, f.Finding)
	return nil
}
