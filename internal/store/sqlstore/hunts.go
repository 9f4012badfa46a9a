package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/store"
)

const huntCols = `id, status, reason, intel_version, created, started, finished, phase, cursor, candidates, findings,
	retracted, error, spec`

func scanHunt(sc interface{ Scan(...any) error }) (fleet.Hunt, error) {
	var h fleet.Hunt
	var created, started, finished int64
	err := sc.Scan(&h.ID, &h.Status, &h.Reason, &h.IntelVersion, &created, &started, &finished, &h.Phase, &h.Cursor,
		&h.Candidates, &h.Findings, &h.Retracted, &h.Error, &h.Spec)
	h.Created, h.Started, h.Finished = tm(created), tm(started), tm(finished)
	return h, err
}

// ListHunts lists hunts, newest first.
func (s *Store) ListHunts(ctx context.Context, limit int) ([]fleet.Hunt, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+huntCols+" FROM hunts ORDER BY id DESC LIMIT "+strconv.Itoa(clampLimit(limit, 50, 1000)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Hunt
	for rows.Next() {
		h, err := scanHunt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, s.wrap(rows.Err())
}

// Hunt returns one hunt.
func (s *Store) Hunt(ctx context.Context, id int64) (fleet.Hunt, error) {
	h, err := scanHunt(s.row(ctx, s.db, "SELECT "+huntCols+" FROM hunts WHERE id = ?", id))
	if err != nil {
		return h, fmt.Errorf("hunt %d: %w", id, s.wrap(err))
	}
	return h, nil
}

// ClaimHunt leases the oldest unfinished hunt nobody holds.
func (s *Store) ClaimHunt(ctx context.Context, owner string, now time.Time, lease time.Duration) (*fleet.Hunt, error) {
	var claimed *fleet.Hunt
	err := s.writeBackground(ctx, func(tx *sql.Tx) error {
		lock := s.d.ForUpdate
		if lock != "" {
			lock += " SKIP LOCKED"
		}
		h, err := scanHunt(s.row(ctx, tx, "SELECT "+huntCols+` FROM hunts WHERE status IN ('pending', 'running')
			AND (owner = '' OR owner = ? OR lease_until < ?) ORDER BY id LIMIT 1`+lock, owner, ms(now)))
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim hunt: %w", s.wrap(err))
		}
		if h.Started.IsZero() {
			h.Started = now
		}
		h.Status = fleet.HuntRunning
		_, err = s.exec(ctx, tx, "UPDATE hunts SET status = ?, owner = ?, lease_until = ?, started = ? WHERE id = ?",
			h.Status, owner, ms(now.Add(lease)), ms(h.Started), h.ID)
		claimed = &h
		return err
	})
	return claimed, err
}

// CommitHunt stores one batch of a hunt's results with its progress.
func (s *Store) CommitHunt(ctx context.Context, c store.HuntCommit) error {
	err := s.commitHunt(ctx, c)
	if err == nil && c.Done && s.d.AfterHunt != "" {
		// Statistics only: the hunt is stored whether or not they refresh.
		s.wdb.ExecContext(ctx, s.d.AfterHunt)
	}
	return err
}

func (s *Store) commitHunt(ctx context.Context, c store.HuntCommit) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		var owner, status string
		if err := s.row(ctx, tx, "SELECT owner, status FROM hunts WHERE id = ?"+s.d.ForUpdate, c.HuntID).Scan(&owner, &status); err != nil {
			return fmt.Errorf("hunt %d: %w", c.HuntID, s.wrap(err))
		}
		if owner != c.Owner || status != fleet.HuntRunning {
			return fmt.Errorf("%w: hunt %d is held by %q (%s)", store.ErrConflict, c.HuntID, owner, status)
		}
		v, err := s.lockIntelVersion(ctx, tx)
		if err != nil {
			return err
		}
		if v != c.IntelVersion {
			return fmt.Errorf("%w: intel moved to version %d", store.ErrConflict, v)
		}
		for _, id := range c.Rechecked {
			if _, err := s.exec(ctx, tx, "DELETE FROM finding_reasons WHERE finding_id = ?", id); err != nil {
				return err
			}
		}
		now := ms(c.Now)
		_, n, err := s.upsertHitsCounted(ctx, tx, c.Hits, "hunt:"+strconv.FormatInt(c.HuntID, 10), now, false)
		if err != nil {
			return err
		}
		retracted, err := s.retract(ctx, tx, c, now)
		if err != nil {
			return err
		}
		return s.huntProgress(ctx, tx, c, int64(n), retracted)
	})
}

// retract withdraws rechecked findings that no hit confirmed.
func (s *Store) retract(ctx context.Context, tx *sql.Tx, c store.HuntCommit, now int64) (int64, error) {
	hit := map[string]bool{}
	for _, h := range c.Hits {
		hit[h.Finding.ID] = true
	}
	var n int64
	for _, id := range c.Rechecked {
		if hit[id] {
			continue
		}
		r, err := s.exec(ctx, tx, "UPDATE findings SET retracted = 1, updated_at = ? WHERE id = ? AND retracted = 0", now, id)
		if err != nil {
			return 0, err
		}
		k, _ := r.RowsAffected()
		n += k
	}
	return n, nil
}

func (s *Store) huntProgress(ctx context.Context, tx *sql.Tx, c store.HuntCommit, found, retracted int64) error {
	status, finished := fleet.HuntRunning, int64(0)
	if c.Done {
		status, finished = fleet.HuntDone, ms(c.Now)
	}
	_, err := s.exec(ctx, tx, `UPDATE hunts SET phase = ?, cursor = ?, candidates = candidates + ?, findings = findings + ?,
		retracted = retracted + ?, lease_until = ?, status = ?, finished = ? WHERE id = ?`,
		c.Phase, c.Cursor, c.Candidates, found, retracted, ms(c.Now.Add(c.Lease)), status, finished, c.HuntID)
	return err
}

// FailHunt stops a hunt with an error.
func (s *Store) FailHunt(ctx context.Context, id int64, owner, msg string, now time.Time) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "UPDATE hunts SET status = ?, error = ?, finished = ? WHERE id = ? AND owner = ?",
			fleet.HuntFailed, msg, ms(now), id, owner)
		return err
	})
}

// Candidates selects observations a retro-hunt must confirm.
func (s *Store) Candidates(ctx context.Context, q store.CandidateQuery) ([]store.Obs, error) {
	t, err := tableFor(q.Kind)
	if err != nil {
		return nil, err
	}
	sel := "SELECT " + t.selectList() + t.from() + "WHERE "
	page, pageArgs := "", []any{}
	if q.Limit > 0 && !q.Scan {
		page, pageArgs = " AND o.id > ? ORDER BY o.id LIMIT ?", []any{q.AfterID, q.Limit}
	}
	run := func(cond string, args ...any) ([]store.Obs, error) {
		rows, err := s.query(ctx, s.db, sel+cond+page, append(args, pageArgs...)...)
		if err != nil {
			return nil, fmt.Errorf("hunt candidates: %w", err)
		}
		return s.scanObs(t, rows)
	}
	switch {
	case q.HostID != 0:
		// Open and gone separately: each half has its own partial index
		// on file observations.
		open, err := run("o.host_id = ? AND o.closed_at IS NULL", q.HostID)
		if err != nil {
			return nil, err
		}
		gone, err := run("o.host_id = ? AND o.closed_at IS NOT NULL", q.HostID)
		if err != nil {
			return nil, err
		}
		out := append(open, gone...)
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		return out, nil
	case q.Scan:
		return run("o.id > ? ORDER BY o.id LIMIT ?", q.AfterID, clampLimit(q.Limit, 1000, 100000))
	case q.Limit > 0 && len(q.Digests)+len(q.Products)+len(q.Domains)+len(q.IPs) > 100:
		return nil, fmt.Errorf("a paged candidate query takes at most 100 selectors")
	case q.DigestType != "":
		col := map[string]string{"sha256": "o.sha256", "sha1": "o.sha1", "md5": "o.md5"}[q.DigestType]
		if t.kind == fleet.ObsArtifact && q.DigestType == "sha1" { // Amcache's digests
			return collect(q.Digests, s.d.MaxVars/2, func(c [][]byte) ([]store.Obs, error) {
				cond, args := inList(s.d, "o.sha1", c)
				return run(cond, args...)
			})
		}
		if col == "" || t.kind != fleet.ObsFile {
			return nil, fmt.Errorf("no digest column %q for %s", q.DigestType, t.kind)
		}
		return collect(q.Digests, s.d.MaxVars/2, func(c [][]byte) ([]store.Obs, error) {
			cond, args := inList(s.d, col, c)
			if q.DigestType == "sha256" {
				prefixes := make([]int64, 0, len(c))
				for _, d := range c {
					if p, ok := DigestPrefix(d).(int64); ok {
						prefixes = append(prefixes, p)
					}
				}
				c1, a1 := inList(s.d, "o.sha256_p", prefixes)
				cond, args = c1+" AND "+cond, append(a1, args...)
			}
			if s.d.DigestScope == "" {
				return run(cond, args...)
			}
			return s.acrossEpochs(ctx, q.AfterID, q.Limit, func(first, last int64) ([]store.Obs, error) {
				return run(s.d.DigestScope+" AND "+cond, append([]any{first, last}, args...)...)
			})
		})
	case len(q.Products) > 0:
		return collect(q.Products, s.d.MaxVars/2, func(c []string) ([]store.Obs, error) {
			c1, a1 := inList(s.d, "o.product_key", c)
			c2, a2 := inList(s.d, "o.ident_key", c)
			return run("("+c1+" OR "+c2+")", append(a1, a2...)...)
		})
	case len(q.Domains) > 0:
		return collect(q.Domains, 100, func(c []string) ([]store.Obs, error) {
			var conds []string
			var args []any
			for _, d := range c {
				r := ReverseDomain(ident.Domain(d))
				conds = append(conds, "o.rdomain = ? OR (o.rdomain > ? AND o.rdomain < ?)")
				args = append(args, r, r+".", r+"/")
			}
			return run("("+strings.Join(conds, " OR ")+")", args...)
		})
	case len(q.IPs) > 0:
		return collect(q.IPs, s.d.MaxVars, func(c []string) ([]store.Obs, error) {
			cond, args := inList(s.d, "o.ip", c)
			return run(cond, args...)
		})
	}
	return nil, nil
}

// acrossEpochs runs a digest lookup over the epochs that can hold ids
// after afterID, split into up to GOMAXPROCS (at most 4) ranges looked up
// at once: each epoch costs every digest an index search, and the ranges
// use the read pool's connections side by side. The ranges hold ascending
// ids, so their results joined in order are ordered by id; a page keeps
// its first limit rows.
func (s *Store) acrossEpochs(ctx context.Context, afterID int64, limit int, lookup func(first, last int64) ([]store.Obs, error)) ([]store.Obs, error) {
	var newest int64
	if err := s.row(ctx, s.db, s.d.DigestEpochs).Scan(&newest); err != nil {
		return nil, fmt.Errorf("hunt candidates: newest epoch: %w", s.wrap(err))
	}
	oldest := max(afterID, 0) >> s.d.DigestEpochShift
	if oldest > newest {
		return nil, nil
	}
	span := newest - oldest + 1
	parts := min(span, int64(min(runtime.GOMAXPROCS(0), 4)))
	res := make([][]store.Obs, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		first, last := oldest+span*i/parts, oldest+span*(i+1)/parts-1
		wg.Go(func() { res[i], errs[i] = lookup(first, last) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := slices.Concat(res...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func collect[T any](vals []T, n int, fn func([]T) ([]store.Obs, error)) ([]store.Obs, error) {
	var out []store.Obs
	for _, c := range chunks(vals, n) {
		obs, err := fn(c)
		if err != nil {
			return nil, err
		}
		out = append(out, obs...)
	}
	return out, nil
}

// FindingsByIndicator lists findings whose reasons name any of ids, in id
// order after the given id.
func (s *Store) FindingsByIndicator(ctx context.Context, ids []string, after string, limit int) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > s.d.MaxVars-2 {
		return nil, fmt.Errorf("%d indicators to recheck exceed %d per query", len(ids), s.d.MaxVars-2)
	}
	cond, args := inList(s.d, "indicator", ids)
	return column[string](ctx, s, "SELECT DISTINCT finding_id FROM finding_reasons WHERE "+cond+
		" AND finding_id > ? ORDER BY finding_id LIMIT ?", append(args, after, clampLimit(limit, 1000, 100000))...)
}

// HostsAfter lists up to limit host ids greater than after, in order.
func (s *Store) HostsAfter(ctx context.Context, after int64, limit int) ([]int64, error) {
	ids, err := column[int64](ctx, s, "SELECT id FROM hosts WHERE id > ? ORDER BY id LIMIT ?", after, clampLimit(limit, 100, 10000))
	if err != nil {
		return nil, fmt.Errorf("hosts after %d: %w", after, err)
	}
	return ids, nil
}

// column runs a query of one column and returns its values.
func column[T any](ctx context.Context, s *Store, q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, s.db, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, s.wrap(rows.Err())
}
