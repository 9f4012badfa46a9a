package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// upsertHits stores findings from hits: new ones in state "new", existing
// ones refreshed (un-retracted; a resolved finding whose evidence came
// back is reopened when reopen is set). It links each finding to its
// observation and recomputes the exposure window. It returns how many
// findings were created or changed.
func (s *Store) upsertHits(ctx context.Context, tx *sql.Tx, hits []store.Hit, origin string, now int64, reopen bool) (int, error) {
	touched := map[string]string{}
	for i := range hits {
		h := &hits[i]
		if err := s.upsertHit(ctx, tx, h, origin, now, reopen); err != nil {
			return 0, err
		}
		touched[h.Finding.ID] = h.ObsKind
	}
	for id, kind := range touched {
		if err := s.refreshFinding(ctx, tx, id, kind); err != nil {
			return 0, err
		}
	}
	return len(touched), nil
}

func (s *Store) upsertHit(ctx context.Context, tx *sql.Tx, h *store.Hit, origin string, now int64, reopen bool) error {
	f := h.Finding
	body, err := json.Marshal(&f)
	if err != nil {
		return err
	}
	inc := ""
	if f.Incident != nil {
		inc = f.Incident.ID
	}
	var state string
	var stateAt int64
	err = s.row(ctx, tx, "SELECT state, state_at FROM findings WHERE id = ?", f.ID).Scan(&state, &stateAt)
	switch {
	case err == sql.ErrNoRows:
		_, err = s.exec(ctx, tx, `INSERT INTO findings (id, host_id, kind, score, level, incident, title, body, state,
			first_seen, last_seen, present, detected_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?)`,
			f.ID, h.HostID, h.ObsKind, f.Score, string(f.Level), inc, f.Title, body, fleet.StateNew, now, now, origin)
	case err != nil:
		return s.wrap(err)
	default:
		_, err = s.exec(ctx, tx, `UPDATE findings SET score = ?, level = ?, incident = ?, title = ?, body = ?,
			updated_at = ?, retracted = 0 WHERE id = ?`, f.Score, string(f.Level), inc, f.Title, body, now, f.ID)
		if err == nil && reopen && state == fleet.StateResolved {
			err = s.changeState(ctx, tx, f.ID, state, fleet.StateNew, "evidence seen again", "cascade", now)
		}
	}
	if err != nil {
		return fmt.Errorf("store finding %s: %w", f.ID, s.wrap(err))
	}
	if _, err := s.exec(ctx, tx, "INSERT INTO finding_obs (finding_id, obs_id) VALUES (?, ?) ON CONFLICT DO NOTHING", f.ID, h.ObsID); err != nil {
		return err
	}
	for _, ind := range h.Indicators {
		if _, err := s.exec(ctx, tx, "INSERT INTO finding_reasons (finding_id, indicator) VALUES (?, ?) ON CONFLICT DO NOTHING", f.ID, ind); err != nil {
			return err
		}
	}
	return nil
}

// refreshFinding recomputes a finding's exposure window from its
// observations: first seen, last seen (while gone), present now.
func (s *Store) refreshFinding(ctx context.Context, tx *sql.Tx, id, kind string) error {
	t, err := tableFor(kind)
	if err != nil {
		return err
	}
	var first, last sql.NullInt64
	var open int
	err = s.row(ctx, tx, `SELECT MIN(o.first_seen), MAX(COALESCE(o.last_seen, 0)),
		COALESCE(SUM(CASE WHEN o.closed_at IS NULL THEN 1 ELSE 0 END), 0)
		FROM finding_obs fo JOIN `+t.table+` o ON o.id = fo.obs_id WHERE fo.finding_id = ?`, id).Scan(&first, &last, &open)
	if err != nil {
		return fmt.Errorf("finding %s window: %w", id, s.wrap(err))
	}
	_, err = s.exec(ctx, tx, "UPDATE findings SET first_seen = ?, last_seen = ?, present = ? WHERE id = ?",
		first.Int64, last.Int64, b2i(open > 0), id)
	return err
}

// refreshHostFindings recomputes the windows of a host's present findings
// after some of its observations closed.
func (s *Store) refreshHostFindings(ctx context.Context, tx *sql.Tx, hostID int64) error {
	rows, err := s.query(ctx, tx, "SELECT id, kind FROM findings WHERE host_id = ? AND present = 1", hostID)
	if err != nil {
		return err
	}
	var ids, kinds []string
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return err
		}
		ids, kinds = append(ids, id), append(kinds, kind)
	}
	rows.Close()
	for i := range ids {
		if err := s.refreshFinding(ctx, tx, ids[i], kinds[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) changeState(ctx context.Context, tx *sql.Tx, id, from, to, reason, actor string, now int64) error {
	if _, err := s.exec(ctx, tx, "UPDATE findings SET state = ?, state_reason = ?, state_by = ?, state_at = ? WHERE id = ?",
		to, reason, actor, now, id); err != nil {
		return err
	}
	_, err := s.exec(ctx, tx, `INSERT INTO finding_events (finding_id, at, actor, from_state, to_state, reason)
		VALUES (?, ?, ?, ?, ?, ?)`, id, now, actor, from, to, reason)
	return err
}

const findingCols = `f.id, f.host_id, h.uid, h.name, h.last_seen, f.body, f.state, f.state_reason, f.state_by, f.state_at,
	f.first_seen, f.last_seen, f.present, f.detected_at, f.updated_at, f.origin, f.retracted
	FROM findings f JOIN hosts h ON h.id = f.host_id`

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
	var total int
	if err := s.row(ctx, s.db, "SELECT COUNT(*) FROM findings f JOIN hosts h ON h.id = f.host_id WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count findings: %w", s.wrap(err))
	}
	rows, err := s.query(ctx, s.db, "SELECT "+findingCols+" WHERE "+where+" ORDER BY f.score DESC, f.detected_at DESC, f.id LIMIT ? OFFSET ?",
		append(args, clampLimit(q.Limit, 100, 100000), max(q.Offset, 0))...)
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
	if q.Incident != "" {
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

// SetFindingState triages a finding and records the change.
func (s *Store) SetFindingState(ctx context.Context, id, state, reason, actor string, now time.Time) (fleet.Finding, error) {
	if !fleet.ValidState(state) {
		return fleet.Finding{}, fmt.Errorf("unknown state %q", state)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var from string
		if err := s.row(ctx, tx, "SELECT state FROM findings WHERE id = ?"+s.d.ForUpdate, id).Scan(&from); err != nil {
			return fmt.Errorf("finding %s: %w", id, s.wrap(err))
		}
		return s.changeState(ctx, tx, id, from, state, reason, actor, ms(now))
	})
	if err != nil {
		return fleet.Finding{}, err
	}
	return s.Finding(ctx, id)
}

// Incidents summarizes findings by incident.
func (s *Store) Incidents(ctx context.Context) ([]fleet.Incident, error) {
	rows, err := s.query(ctx, s.db, `SELECT f.incident, COUNT(*), COUNT(DISTINCT f.host_id),
		COUNT(DISTINCT CASE WHEN f.present = 1 THEN f.host_id END), MAX(f.score), MIN(f.first_seen),
		MAX(CASE WHEN f.present = 1 THEN h.last_seen ELSE f.last_seen END)
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
		if err := rows.Scan(&in.ID, &in.Findings, &in.HostsEver, &in.HostsNow, &in.MaxScore, &first, &last); err != nil {
			return nil, err
		}
		in.FirstSeen, in.LastSeen = tm(first), tm(last)
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
