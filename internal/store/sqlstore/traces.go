package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

const savedTraceCols = "id, name, request, created_by, created, version, updated, publish_to"

// SaveTrace stores a new named trace, not yet computed.
func (s *Store) SaveTrace(ctx context.Context, t fleet.SavedTrace) (fleet.SavedTrace, error) {
	req, err := json.Marshal(t.Request)
	if err != nil {
		return t, fmt.Errorf("saved trace %q: %w", t.Name, err)
	}
	t.Version, t.Updated = 0, t.Created
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `INSERT INTO saved_traces (name, request, created_by, created, version, updated, publish_to)
			VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			t.Name, string(req), t.By, ms(t.Created), ms(t.Created), t.PublishTo).Scan(&t.ID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("saved trace %q: %w", t.Name, store.ErrExists)
		}
		return err
	})
	return t, err
}

func scanSavedTrace(sc interface{ Scan(...any) error }) (fleet.SavedTrace, error) {
	var t fleet.SavedTrace
	var req string
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.Name, &req, &t.By, &created, &t.Version, &updated, &t.PublishTo); err != nil {
		return t, err
	}
	t.Created, t.Updated = tm(created), tm(updated)
	if err := json.Unmarshal([]byte(req), &t.Request); err != nil {
		return t, fmt.Errorf("saved trace %d: stored request: %w", t.ID, err)
	}
	return t, nil
}

// SavedTraces lists the saved traces by name.
func (s *Store) SavedTraces(ctx context.Context) ([]fleet.SavedTrace, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+savedTraceCols+" FROM saved_traces ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.SavedTrace
	for rows.Next() {
		t, err := scanSavedTrace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.wrap(rows.Err())
}

// SavedTrace reads one saved trace.
func (s *Store) SavedTrace(ctx context.Context, id int64) (fleet.SavedTrace, error) {
	t, err := scanSavedTrace(s.row(ctx, s.db, "SELECT "+savedTraceCols+" FROM saved_traces WHERE id = ?", id))
	if err != nil {
		return t, fmt.Errorf("saved trace %d: %w", id, s.wrap(err))
	}
	return t, nil
}

// DeleteSavedTrace removes a saved trace and its versions.
func (s *Store) DeleteSavedTrace(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM trace_versions WHERE trace_id = ?", id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM trace_recomputes WHERE trace_id = ?", id); err != nil {
			return err
		}
		r, err := s.exec(ctx, tx, "DELETE FROM saved_traces WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("saved trace %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// AddTraceVersion stores the next version of a saved trace's result.
func (s *Store) AddTraceVersion(ctx context.Context, v fleet.TraceVersion) error {
	res, err := json.Marshal(v.Result)
	if err != nil {
		return fmt.Errorf("saved trace %d: %w", v.TraceID, err)
	}
	var ch []byte
	if v.Changes != nil {
		if ch, err = json.Marshal(v.Changes); err != nil {
			return fmt.Errorf("saved trace %d: %w", v.TraceID, err)
		}
	}
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		// The version check and the bump are one statement: of two
		// replicas computing the same version, one wins.
		r, err := s.exec(ctx, tx, "UPDATE saved_traces SET version = ?, updated = ? WHERE id = ? AND version = ?",
			v.Version, ms(v.At), v.TraceID, v.Version-1)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			var one int
			if err := s.row(ctx, tx, "SELECT 1 FROM saved_traces WHERE id = ?", v.TraceID).Scan(&one); err != nil {
				return fmt.Errorf("saved trace %d: %w", v.TraceID, s.wrap(err))
			}
			return fmt.Errorf("saved trace %d: version %d was stored by another computation: %w", v.TraceID, v.Version, store.ErrConflict)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO trace_versions (trace_id, version, at, reason, error, result, changes)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, v.TraceID, v.Version, ms(v.At), v.Reason, v.Error, string(res), string(ch)); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "DELETE FROM trace_versions WHERE trace_id = ? AND version <= ?",
			v.TraceID, v.Version-store.KeepTraceVersions)
		return err
	})
}

// TraceVersions lists a saved trace's newest versions first.
func (s *Store) TraceVersions(ctx context.Context, id int64, limit int) ([]fleet.TraceVersion, error) {
	rows, err := s.query(ctx, s.db, `SELECT version, at, reason, error, result, changes FROM trace_versions
		WHERE trace_id = ? ORDER BY version DESC LIMIT `+strconv.Itoa(clampLimit(limit, store.KeepTraceVersions, store.KeepTraceVersions)), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.TraceVersion
	for rows.Next() {
		v := fleet.TraceVersion{TraceID: id}
		var at int64
		var res, ch string
		if err := rows.Scan(&v.Version, &at, &v.Reason, &v.Error, &res, &ch); err != nil {
			return nil, err
		}
		v.At = tm(at)
		if err := json.Unmarshal([]byte(res), &v.Result); err != nil {
			return nil, fmt.Errorf("saved trace %d version %d: %w", id, v.Version, err)
		}
		if ch != "" {
			v.Changes = &fleet.TraceChanges{}
			if err := json.Unmarshal([]byte(ch), v.Changes); err != nil {
				return nil, fmt.Errorf("saved trace %d version %d: %w", id, v.Version, err)
			}
		}
		out = append(out, v)
	}
	return out, s.wrap(rows.Err())
}

// AddTraceInput keeps a trace input.
func (s *Store) AddTraceInput(ctx context.Context, in fleet.TraceInput) (fleet.TraceInput, error) {
	sum := sha256.Sum256(in.Content)
	in.SHA256, in.Size = hex.EncodeToString(sum[:]), len(in.Content)
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `INSERT INTO trace_inputs (kind, name, sha256, content, created_by, created)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, name) DO NOTHING RETURNING id`,
			in.Kind, in.Name, sum[:], in.Content, in.By, ms(in.Created)).Scan(&in.ID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("trace input %s %q: %w", in.Kind, in.Name, store.ErrExists)
		}
		return err
	})
	return in, err
}

// TraceInputs lists the trace inputs in id order.
func (s *Store) TraceInputs(ctx context.Context, content bool) ([]fleet.TraceInput, error) {
	col := "''"
	if content {
		col = "content"
	}
	rows, err := s.query(ctx, s.db, "SELECT id, kind, name, sha256, length(content), "+col+", created_by, created FROM trace_inputs ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.TraceInput
	for rows.Next() {
		var in fleet.TraceInput
		var sum []byte
		var created int64
		if err := rows.Scan(&in.ID, &in.Kind, &in.Name, &sum, &in.Size, &in.Content, &in.By, &created); err != nil {
			return nil, err
		}
		in.SHA256, in.Created = hex.EncodeToString(sum), tm(created)
		if !content {
			in.Content = nil
		}
		out = append(out, in)
	}
	return out, s.wrap(rows.Err())
}

// DeleteTraceInput removes a trace input.
func (s *Store) DeleteTraceInput(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM trace_inputs WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("trace input %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// QueueTraceRecompute records that a saved trace must be recomputed,
// merged with its pending entry in one transaction.
func (s *Store) QueueTraceRecompute(ctx context.Context, q store.TraceRecompute) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		var one int
		if err := s.row(ctx, tx, "SELECT 1 FROM saved_traces WHERE id = ?", q.TraceID).Scan(&one); err != nil {
			return fmt.Errorf("saved trace %d: %w", q.TraceID, s.wrap(err))
		}
		var reason, fs string
		var enq int64
		err := s.row(ctx, tx, "SELECT reason, findings, enqueued FROM trace_recomputes WHERE trace_id = ?", q.TraceID).Scan(&reason, &fs, &enq)
		switch {
		case err == sql.ErrNoRows:
			reason, enq = q.Reason, ms(q.Enqueued)
		case err != nil:
			return err
		default:
			var was []string
			if err := json.Unmarshal([]byte(fs), &was); err != nil {
				return fmt.Errorf("saved trace %d: queued findings: %w", q.TraceID, err)
			}
			q.Findings = mergeIDs(was, q.Findings)
			if q.Reason != "" && !strings.Contains(reason, q.Reason) {
				reason = joinReasons(reason, q.Reason)
			}
		}
		q.Findings = q.Findings[:min(len(q.Findings), store.MaxRecomputeFindings)]
		ids, err := json.Marshal(q.Findings)
		if err != nil {
			return err
		}
		if q.Findings == nil {
			ids = []byte("[]")
		}
		_, err = s.exec(ctx, tx, `INSERT INTO trace_recomputes (trace_id, reason, findings, enqueued, updated, gen) VALUES (?, ?, ?, ?, ?, 1)
			ON CONFLICT (trace_id) DO UPDATE SET reason = excluded.reason, findings = excluded.findings, updated = excluded.updated,
			gen = trace_recomputes.gen + 1`, q.TraceID, reason, string(ids), enq, ms(q.Updated))
		return err
	})
}

// maxRecomputeReason bounds a queued reason's length.
const maxRecomputeReason = 2000

func joinReasons(a, b string) string {
	if len(a) >= maxRecomputeReason {
		return a
	}
	s := a + "; " + b
	if len(s) > maxRecomputeReason {
		s = s[:maxRecomputeReason] + "…"
	}
	return s
}

func mergeIDs(a, b []string) []string {
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// TraceRecomputes lists the pending recomputations, oldest first.
func (s *Store) TraceRecomputes(ctx context.Context) ([]store.TraceRecompute, error) {
	rows, err := s.query(ctx, s.db, "SELECT trace_id, reason, findings, enqueued, updated, gen FROM trace_recomputes ORDER BY enqueued, trace_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TraceRecompute
	for rows.Next() {
		var q store.TraceRecompute
		var fs string
		var enq, upd int64
		if err := rows.Scan(&q.TraceID, &q.Reason, &fs, &enq, &upd, &q.Gen); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(fs), &q.Findings); err != nil {
			return nil, fmt.Errorf("saved trace %d: queued findings: %w", q.TraceID, err)
		}
		q.Enqueued, q.Updated = tm(enq), tm(upd)
		out = append(out, q)
	}
	return out, s.wrap(rows.Err())
}

// DoneTraceRecompute removes a pending entry not queued again since gen.
func (s *Store) DoneTraceRecompute(ctx context.Context, traceID, gen int64) (bool, error) {
	var done bool
	err := s.writeBackground(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM trace_recomputes WHERE trace_id = ? AND gen = ?", traceID, gen)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		done = n > 0
		return nil
	})
	return done, err
}
