package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// upsertHits stores findings from hits: new ones in state "new", existing
// ones refreshed (un-retracted; a resolved finding whose evidence came
// back is reopened when reopen is set). It links each finding to its
// observation and recomputes the exposure window. It returns how many
// findings were created or changed.
func (s *Store) upsertHits(ctx context.Context, tx *sql.Tx, hits []store.Hit, origin string, now int64, reopen bool) (int, error) {
	// Lock findings in one order (by id) in every transaction, so an
	// ingest and a hunt touching the same findings cannot deadlock.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Finding.ID < hits[j].Finding.ID })
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
	rows, err := s.query(ctx, tx, "SELECT id, kind FROM findings WHERE host_id = ? AND present = 1 ORDER BY id", hostID)
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
