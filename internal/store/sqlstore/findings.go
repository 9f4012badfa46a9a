package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// upsertHits stores findings from hits: new ones in state "new", existing
// ones refreshed (un-retracted; a resolved finding whose evidence came
// back is reopened when reopen is set). It links each finding to its
// observations and recomputes the exposure windows. It returns how many
// findings were created or changed.
//
// A hunt commits hundreds of findings at once, so the work is done in a
// few statements per batch rather than a few per hit (PostgreSQL: each
// statement is a round trip). Findings are locked in one order (by id) in
// every transaction, so an ingest and a hunt touching the same findings
// cannot deadlock: the inserts go in id order, then the updates of those
// that already existed, again in id order; the window refresh at the end
// touches only rows this transaction already holds.
func (s *Store) upsertHits(ctx context.Context, tx *sql.Tx, hits []store.Hit, origin string, now int64, reopen bool) (int, error) {
	n, _, err := s.upsertHitsCounted(ctx, tx, hits, origin, now, reopen)
	return n, err
}

// upsertHitsCounted is upsertHits that also counts the findings that
// appeared: inserted now, or retracted until now. A finding that exists
// and is listed is confirmed, not new, however many hits name it.
func (s *Store) upsertHitsCounted(ctx context.Context, tx *sql.Tx, hits []store.Hit, origin string, now int64, reopen bool) (touched, appeared int, err error) {
	if len(hits) == 0 {
		return 0, 0, nil
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Finding.ID < hits[j].Finding.ID })
	// One row per finding; as when hits were stored one by one, the last
	// hit of a finding gives its body.
	var rows []findingRow
	for i := range hits {
		h := &hits[i]
		if n := len(rows); n > 0 && rows[n-1].hit.Finding.ID == h.Finding.ID {
			rows[n-1].hit = h
			continue
		}
		rows = append(rows, findingRow{hit: h})
	}
	for i := range rows {
		f := &rows[i].hit.Finding
		body, err := json.Marshal(f)
		if err != nil {
			return 0, 0, err
		}
		rows[i].body = body
		if f.Incident != nil {
			rows[i].incident = f.Incident.ID
		}
	}
	restoredIDs, err := s.retractedAmong(ctx, tx, rows)
	if err != nil {
		return 0, 0, err
	}
	restored := len(restoredIDs)
	inserted, err := s.insertFindings(ctx, tx, rows, origin, now)
	if err != nil {
		return 0, 0, err
	}
	// Alert events: inserted findings are new; those un-retracted or
	// reopened now are revived.
	events := map[string]string{}
	for id := range inserted {
		events[id] = alertEventNew
	}
	for id := range restoredIDs {
		events[id] = alertEventRevived
	}
	for i := range rows {
		if inserted[rows[i].hit.Finding.ID] {
			continue
		}
		reopened, err := s.updateFinding(ctx, tx, &rows[i], now, reopen)
		if err != nil {
			return 0, 0, err
		}
		if reopened {
			events[rows[i].hit.Finding.ID] = alertEventRevived
		}
	}
	if err := s.queueAlerts(ctx, tx, rows, events, now); err != nil {
		return 0, 0, err
	}
	if err := s.linkHits(ctx, tx, hits); err != nil {
		return 0, 0, err
	}
	byKind := map[string][]string{}
	for i := range rows {
		k := rows[i].hit.ObsKind
		byKind[k] = append(byKind[k], rows[i].hit.Finding.ID)
	}
	for kind, ids := range byKind {
		if err := s.refreshFindings(ctx, tx, kind, ids); err != nil {
			return 0, 0, err
		}
	}
	return len(rows), len(inserted) + restored, nil
}

// retractedAmong returns the ids of the rows whose finding exists and is
// retracted: confirming them again lists them again.
func (s *Store) retractedAmong(ctx context.Context, tx *sql.Tx, rows []findingRow) (map[string]bool, error) {
	out := map[string]bool{}
	for _, c := range chunks(rows, s.d.MaxVars) {
		ids := make([]string, len(c))
		for i := range c {
			ids[i] = c[i].hit.Finding.ID
		}
		cond, args := inList(s.d, "id", ids)
		rs, err := s.query(ctx, tx, "SELECT id FROM findings WHERE retracted = 1 AND "+cond, args...)
		if err != nil {
			return nil, fmt.Errorf("retracted findings: %w", err)
		}
		for rs.Next() {
			var id string
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return nil, fmt.Errorf("retracted findings: %w", s.wrap(err))
			}
			out[id] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("retracted findings: %w", s.wrap(err))
		}
	}
	return out, nil
}

// findingRow is one finding to store and the hit that gives its content.
type findingRow struct {
	hit      *store.Hit
	body     []byte
	incident string
}

// findingInsertCols is the bound values per inserted finding (the VALUES row below).
const findingInsertCols = 13

// insertFindings inserts the findings that do not exist yet, in id order,
// and returns the ids it inserted.
func (s *Store) insertFindings(ctx context.Context, tx *sql.Tx, rows []findingRow, origin string, now int64) (map[string]bool, error) {
	inserted := map[string]bool{}
	for _, c := range chunks(rows, s.d.MaxVars/findingInsertCols) {
		var q strings.Builder
		q.WriteString(`INSERT INTO findings (id, host_id, kind, score, level, incident, title, body, state,
			first_seen, last_seen, present, detected_at, updated_at, origin, exposed_since) VALUES `)
		args := make([]any, 0, len(c)*findingInsertCols)
		for i := range c {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?)")
			f := &c[i].hit.Finding
			args = append(args, f.ID, c[i].hit.HostID, c[i].hit.ObsKind, f.Score, string(f.Level), c[i].incident, f.Title,
				c[i].body, fleet.StateNew, now, now, origin, ms(f.ExposedSince))
		}
		q.WriteString(" ON CONFLICT (id) DO NOTHING RETURNING id")
		rs, err := s.query(ctx, tx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store findings: %w", err)
		}
		for rs.Next() {
			var id string
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store findings: %w", s.wrap(err))
			}
			inserted[id] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("store findings: %w", s.wrap(err))
		}
	}
	return inserted, nil
}

// updateFinding refreshes an existing finding's content and un-retracts
// it; with reopen, a resolved finding goes back to new.
func (s *Store) updateFinding(ctx context.Context, tx *sql.Tx, r *findingRow, now int64, reopen bool) (reopened bool, err error) {
	f := &r.hit.Finding
	var state string
	err = s.row(ctx, tx, `UPDATE findings SET score = ?, level = ?, incident = ?, title = ?, body = ?,
		updated_at = ?, retracted = 0, exposed_since = ? WHERE id = ? RETURNING state`,
		f.Score, string(f.Level), r.incident, f.Title, r.body, now, ms(f.ExposedSince), f.ID).Scan(&state)
	if err == nil && reopen && state == fleet.StateResolved {
		err = s.changeState(ctx, tx, f.ID, state, fleet.StateNew, "evidence seen again", "cascade", now)
		reopened = err == nil
	}
	if err != nil {
		return false, fmt.Errorf("store finding %s: %w", f.ID, s.wrap(err))
	}
	return reopened, nil
}

// linkHits records each hit's observation and indicators against its
// finding.
func (s *Store) linkHits(ctx context.Context, tx *sql.Tx, hits []store.Hit) error {
	type pair struct{ a, b any }
	var obs, reasons []pair
	for i := range hits {
		obs = append(obs, pair{hits[i].Finding.ID, hits[i].ObsID})
		for _, ind := range hits[i].Indicators {
			reasons = append(reasons, pair{hits[i].Finding.ID, ind})
		}
	}
	for _, t := range []struct {
		insert string
		pairs  []pair
	}{
		{"INSERT INTO finding_obs (finding_id, obs_id) VALUES ", obs},
		{"INSERT INTO finding_reasons (finding_id, indicator) VALUES ", reasons},
	} {
		for _, c := range chunks(t.pairs, s.d.MaxVars/2) {
			args := make([]any, 0, 2*len(c))
			for _, p := range c {
				args = append(args, p.a, p.b)
			}
			q := t.insert + "(?, ?)" + strings.Repeat(", (?, ?)", len(c)-1) + " ON CONFLICT DO NOTHING"
			if _, err := s.exec(ctx, tx, q, args...); err != nil {
				return fmt.Errorf("link findings: %w", err)
			}
		}
	}
	return nil
}

// refreshFindings recomputes the exposure windows of findings on
// observations of one kind from their evidence: first seen, last seen
// (while gone), present.
func (s *Store) refreshFindings(ctx context.Context, tx *sql.Tx, kind string, ids []string) error {
	t, err := tableFor(kind)
	if err != nil {
		return err
	}
	for _, c := range chunks(ids, s.d.MaxVars) {
		cond, args := inList(s.d, "fo.finding_id", c)
		_, err := s.exec(ctx, tx, `UPDATE findings SET first_seen = w.first, last_seen = w.last, present = w.present
			FROM (SELECT fo.finding_id AS id, MIN(o.first_seen) AS first, MAX(COALESCE(o.last_seen, 0)) AS last,
				MAX(CASE WHEN o.closed_at IS NULL THEN 1 ELSE 0 END) AS present
				FROM finding_obs fo JOIN `+t.table+` o ON o.id = fo.obs_id WHERE `+cond+` GROUP BY fo.finding_id) w
			WHERE findings.id = w.id`, args...)
		if err != nil {
			return fmt.Errorf("finding windows: %w", s.wrap(err))
		}
	}
	return nil
}

// refreshHostFindings recomputes the windows of a host's present findings
// after some of its observations closed.
func (s *Store) refreshHostFindings(ctx context.Context, tx *sql.Tx, hostID int64) error {
	rows, err := s.query(ctx, tx, "SELECT id, kind FROM findings WHERE host_id = ? AND present = 1 ORDER BY id", hostID)
	if err != nil {
		return err
	}
	byKind := map[string][]string{}
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return err
		}
		byKind[kind] = append(byKind[kind], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.wrap(err)
	}
	for kind, ids := range byKind {
		if err := s.refreshFindings(ctx, tx, kind, ids); err != nil {
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
