package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// FinishDeliveries records a round's attempts in one transaction: the
// accepted deliveries in one UPDATE per chunk, the failed ones one UPDATE
// each (each has its own retry time), and every attempt in multi-row
// INSERTs. A delivery whose lease was lost gets ErrConflict in its slot
// and no attempt row; the others are recorded.
func (s *Store) FinishDeliveries(ctx context.Context, rs []store.DeliveryResult) ([]error, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	errs := make([]error, len(rs))
	err := s.writeLazy(ctx, func(tx *sql.Tx) error {
		clear(errs)
		recorded, err := s.finishSent(ctx, tx, rs)
		if err != nil {
			return err
		}
		for i := range rs {
			r := &rs[i]
			if r.Err == "" {
				continue
			}
			state, next := fleet.DeliveryPending, ms(r.NextAt)
			if r.Dead {
				state, next = fleet.DeliveryDead, 0
			}
			res, err := s.exec(ctx, tx, `UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, next_at = ?, last_at = ?,
				last_error = ?, owner = '', lease_until = 0 WHERE id = ? AND owner = ? AND state = ?`,
				state, next, ms(r.At), r.Err, r.ID, r.Owner, fleet.DeliveryPending)
			if err != nil {
				return fmt.Errorf("finish alert delivery %d: %w", r.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				recorded[r.ID] = true
			}
		}
		var attempts []*store.DeliveryResult
		for i := range rs {
			if recorded[rs[i].ID] {
				attempts = append(attempts, &rs[i])
			} else {
				errs[i] = fmt.Errorf("alert delivery %d: lease lost: %w", rs[i].ID, store.ErrConflict)
			}
		}
		return s.insertAttempts(ctx, tx, attempts)
	})
	if err != nil {
		return nil, fmt.Errorf("finish alert deliveries: %w", err)
	}
	return errs, nil
}

// finishSent marks the accepted deliveries sent, grouped by owner and
// chunked, and returns the ids it updated.
func (s *Store) finishSent(ctx context.Context, tx *sql.Tx, rs []store.DeliveryResult) (map[int64]bool, error) {
	done := map[int64]bool{}
	byOwner := map[string][]int64{}
	last := map[string]int64{}
	for i := range rs {
		if r := &rs[i]; r.Err == "" {
			byOwner[r.Owner] = append(byOwner[r.Owner], r.ID)
			last[r.Owner] = max(last[r.Owner], ms(r.At))
		}
	}
	for owner, ids := range byOwner {
		for _, c := range chunks(ids, s.d.MaxVars-5) {
			cond, args := inList(s.d, "id", c)
			q, err := s.query(ctx, tx, `UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, next_at = 0, last_at = ?,
				last_error = '', owner = '', lease_until = 0 WHERE owner = ? AND state = ? AND `+cond+` RETURNING id`,
				append([]any{fleet.DeliverySent, last[owner], owner, fleet.DeliveryPending}, args...)...)
			if err != nil {
				return nil, fmt.Errorf("finish alert deliveries: %w", err)
			}
			for q.Next() {
				var id int64
				if err := q.Scan(&id); err != nil {
					q.Close()
					return nil, fmt.Errorf("finish alert deliveries: %w", s.wrap(err))
				}
				done[id] = true
			}
			q.Close()
			if err := q.Err(); err != nil {
				return nil, fmt.Errorf("finish alert deliveries: %w", s.wrap(err))
			}
		}
	}
	return done, nil
}

// insertAttempts records attempts in multi-row INSERTs.
func (s *Store) insertAttempts(ctx context.Context, tx *sql.Tx, rs []*store.DeliveryResult) error {
	const cols = 4
	for _, c := range chunks(rs, s.d.MaxVars/cols) {
		var q strings.Builder
		q.WriteString("INSERT INTO alert_attempts (delivery_id, at, ok, error) VALUES ")
		args := make([]any, 0, len(c)*cols)
		for i, r := range c {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			ok := 0
			if r.Err == "" {
				ok = 1
			}
			args = append(args, r.ID, ms(r.At), ok, r.Err)
		}
		if _, err := s.exec(ctx, tx, q.String(), args...); err != nil {
			return fmt.Errorf("record alert attempts: %w", err)
		}
	}
	return nil
}

// FindingsByID reads many findings at once.
func (s *Store) FindingsByID(ctx context.Context, ids []string) (map[string]fleet.Finding, error) {
	out := make(map[string]fleet.Finding, len(ids))
	for _, c := range chunks(ids, s.d.MaxVars) {
		cond, args := inList(s.d, "f.id", c)
		rs, err := s.query(ctx, s.db, "SELECT "+findingCols+" WHERE "+cond, args...)
		if err != nil {
			return nil, fmt.Errorf("findings by id: %w", err)
		}
		for rs.Next() {
			f, err := s.scanFinding(rs)
			if err != nil {
				rs.Close()
				return nil, err
			}
			out[f.ID] = f
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("findings by id: %w", s.wrap(err))
		}
	}
	return out, nil
}
