package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/store"
)

// IntelVersion is the counter every intel change bumps.
func (s *Store) IntelVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.row(ctx, s.db, "SELECT version FROM intel_state WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("intel version: %w", s.wrap(err))
	}
	return v, nil
}

// IntelDocs lists the stored intel documents, with content if asked.
func (s *Store) IntelDocs(ctx context.Context, content bool) ([]store.IntelDocument, error) {
	col := "''"
	if content {
		col = "content"
	}
	rows, err := s.query(ctx, s.db, `SELECT id, name, origin, sha256, size, counts, sources, imported_at, imported_by, `+col+`
		FROM intel_docs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("intel documents: %w", err)
	}
	defer rows.Close()
	var out []store.IntelDocument
	for rows.Next() {
		var d store.IntelDocument
		var counts []byte
		var sources string
		var at int64
		if err := rows.Scan(&d.ID, &d.Name, &d.Origin, &d.SHA256, &d.Size, &counts, &sources, &at, &d.ImportedBy, &d.Content); err != nil {
			return nil, err
		}
		json.Unmarshal(counts, &d.Counts)
		if sources != "" {
			d.Sources = strings.Split(sources, "\n")
		}
		d.ImportedAt = tm(at)
		out = append(out, d)
	}
	return out, s.wrap(rows.Err())
}

// Revocations lists the indicators withdrawn server-wide.
func (s *Store) Revocations(ctx context.Context) ([]store.Revocation, error) {
	rows, err := s.query(ctx, s.db, "SELECT indicator, reason, revoked_by, at FROM intel_revocations ORDER BY indicator")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Revocation
	for rows.Next() {
		var r store.Revocation
		var at int64
		if err := rows.Scan(&r.Indicator, &r.Reason, &r.By, &at); err != nil {
			return nil, err
		}
		r.At = tm(at)
		out = append(out, r)
	}
	return out, s.wrap(rows.Err())
}

// ApplyIntelChange applies a change if the version is still the expected
// one, bumps the version and queues the hunt, atomically.
func (s *Store) ApplyIntelChange(ctx context.Context, c store.IntelChange) (int64, int64, error) {
	var version, hunt int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.row(ctx, tx, "SELECT version FROM intel_state WHERE id = 1"+s.d.ForUpdate).Scan(&version); err != nil {
			return fmt.Errorf("intel version: %w", s.wrap(err))
		}
		if version != c.ExpectVersion {
			return fmt.Errorf("%w: intel is at version %d, not %d", store.ErrConflict, version, c.ExpectVersion)
		}
		if err := s.applyDocs(ctx, tx, c); err != nil {
			return err
		}
		version++
		if _, err := s.exec(ctx, tx, "UPDATE intel_state SET version = ? WHERE id = 1", version); err != nil {
			return err
		}
		if c.HuntSpec == nil {
			return nil
		}
		return s.row(ctx, tx, `INSERT INTO hunts (status, reason, intel_version, created, spec) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			"pending", c.HuntReason, version, ms(c.Now), c.HuntSpec).Scan(&hunt)
	})
	return version, hunt, err
}

func (s *Store) applyDocs(ctx context.Context, tx *sql.Tx, c store.IntelChange) error {
	if d := c.Put; d != nil {
		counts, _ := json.Marshal(d.Counts)
		_, err := s.exec(ctx, tx, `INSERT INTO intel_docs (name, origin, sha256, size, content, counts, sources, imported_at, imported_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET origin = excluded.origin, sha256 = excluded.sha256, size = excluded.size,
				content = excluded.content, counts = excluded.counts, sources = excluded.sources,
				imported_at = excluded.imported_at, imported_by = excluded.imported_by`,
			d.Name, d.Origin, d.SHA256, len(d.Content), d.Content, counts, strings.Join(d.Sources, "\n"), ms(d.ImportedAt), d.ImportedBy)
		if err != nil {
			return fmt.Errorf("store intel %s: %w", d.Name, err)
		}
	}
	if c.Delete != "" {
		r, err := s.exec(ctx, tx, "DELETE FROM intel_docs WHERE name = ?", c.Delete)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("intel document %q: %w", c.Delete, store.ErrNotFound)
		}
	}
	if r := c.Revoke; r != nil {
		_, err := s.exec(ctx, tx, `INSERT INTO intel_revocations (indicator, reason, revoked_by, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (indicator) DO UPDATE SET reason = excluded.reason, revoked_by = excluded.revoked_by, at = excluded.at`,
			r.Indicator, r.Reason, r.By, ms(r.At))
		if err != nil {
			return err
		}
	}
	if c.Unrevoke != "" {
		r, err := s.exec(ctx, tx, "DELETE FROM intel_revocations WHERE indicator = ?", c.Unrevoke)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("revocation %q: %w", c.Unrevoke, store.ErrNotFound)
		}
	}
	return nil
}
