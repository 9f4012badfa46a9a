package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

// TAXII times are Unix microseconds (date_added must round-trip the
// microsecond timestamps clients send back as added_after).
func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const collCols = "id, alias, title, description, created"

func scanColl(sc interface{ Scan(...any) error }) (store.TAXIICollection, error) {
	var c store.TAXIICollection
	var created int64
	err := sc.Scan(&c.ID, &c.Alias, &c.Title, &c.Description, &created)
	c.Created = fromUS(created)
	return c, err
}

// CreateCollection stores a new collection; its id or alias must be free.
func (s *Store) CreateCollection(ctx context.Context, c store.TAXIICollection) (store.TAXIICollection, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.row(ctx, tx, "SELECT COUNT(*) FROM taxii_collections WHERE id = ? OR (alias <> '' AND alias = ?) OR id = ? OR alias = ?",
			c.ID, c.Alias, c.Alias, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("collection %s: %w", c.ID, store.ErrExists)
		}
		_, err := s.exec(ctx, tx, "INSERT INTO taxii_collections ("+collCols+") VALUES (?, ?, ?, ?, ?)",
			c.ID, c.Alias, c.Title, c.Description, us(c.Created))
		return err
	})
	return c, err
}

// Collections lists every collection by title.
func (s *Store) Collections(ctx context.Context) ([]store.TAXIICollection, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+collCols+" FROM taxii_collections ORDER BY title, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TAXIICollection
	for rows.Next() {
		c, err := scanColl(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, s.wrap(rows.Err())
}

// Collection finds a collection by id or alias.
func (s *Store) Collection(ctx context.Context, idOrAlias string) (store.TAXIICollection, error) {
	c, err := scanColl(s.row(ctx, s.db, "SELECT "+collCols+" FROM taxii_collections WHERE id = ? OR (alias <> '' AND alias = ?) LIMIT 1",
		idOrAlias, idOrAlias))
	if err != nil {
		return c, fmt.Errorf("collection %.80q: %w", idOrAlias, s.wrap(err))
	}
	return c, nil
}

// DeleteCollection removes a collection and everything in it.
func (s *Store) DeleteCollection(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM taxii_collections WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
		}
		for _, t := range []string{"taxii_grants", "taxii_objects", "taxii_status"} {
			if _, err := s.exec(ctx, tx, "DELETE FROM "+t+" WHERE collection_id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetGrant stores or removes a token's rights in a collection.
func (s *Store) SetGrant(ctx context.Context, g store.TAXIIGrant) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.row(ctx, tx, "SELECT COUNT(*) FROM taxii_collections WHERE id = ?", g.CollectionID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("collection %s: %w", g.CollectionID, store.ErrNotFound)
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM taxii_grants WHERE collection_id = ? AND token_id = ?", g.CollectionID, g.TokenID); err != nil {
			return err
		}
		if !g.Read && !g.Write && !g.Delete {
			return nil
		}
		_, err := s.exec(ctx, tx, "INSERT INTO taxii_grants (collection_id, token_id, can_read, can_write, can_delete) VALUES (?, ?, ?, ?, ?)",
			g.CollectionID, g.TokenID, b2i(g.Read), b2i(g.Write), b2i(g.Delete))
		return err
	})
}

// Grants lists a collection's grants ("": every collection's).
func (s *Store) Grants(ctx context.Context, collection string) ([]store.TAXIIGrant, error) {
	if collection == "" {
		return s.grants(ctx, "1 = ?", 1)
	}
	return s.grants(ctx, "collection_id = ?", collection)
}

// TokenGrants lists one token's grants.
func (s *Store) TokenGrants(ctx context.Context, tokenID int64) ([]store.TAXIIGrant, error) {
	return s.grants(ctx, "token_id = ?", tokenID)
}

func (s *Store) grants(ctx context.Context, where string, arg any) ([]store.TAXIIGrant, error) {
	rows, err := s.query(ctx, s.db, "SELECT collection_id, token_id, can_read, can_write, can_delete FROM taxii_grants WHERE "+where+
		" ORDER BY collection_id, token_id", arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TAXIIGrant
	for rows.Next() {
		var g store.TAXIIGrant
		var r, w, d int
		if err := rows.Scan(&g.CollectionID, &g.TokenID, &r, &w, &d); err != nil {
			return nil, err
		}
		g.Read, g.Write, g.Delete = r == 1, w == 1, d == 1
		out = append(out, g)
	}
	return out, s.wrap(rows.Err())
}

// PutTAXIIStatus stores a status resource.
func (s *Store) PutTAXIIStatus(ctx context.Context, st store.TAXIIStatus) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "INSERT INTO taxii_status (id, collection_id, token_id, created, body) VALUES (?, ?, ?, ?, ?)",
			st.ID, st.Collection, st.TokenID, us(st.Created), st.Body)
		return err
	})
}

// TAXIIStatus reads a status resource.
func (s *Store) TAXIIStatus(ctx context.Context, id string) (store.TAXIIStatus, error) {
	var st store.TAXIIStatus
	var created int64
	err := s.row(ctx, s.db, "SELECT id, collection_id, token_id, created, body FROM taxii_status WHERE id = ?", id).
		Scan(&st.ID, &st.Collection, &st.TokenID, &created, &st.Body)
	st.Created = fromUS(created)
	if err != nil {
		return st, fmt.Errorf("status %.80q: %w", id, s.wrap(err))
	}
	return st, nil
}

// versionWhere is the SQL condition of a query's version and spec_version
// filters.
func (s *Store) versionWhere(q store.TAXIIQuery) (string, []any) {
	var conds []string
	var args []any
	if !q.All {
		var alt []string
		if q.First {
			alt = append(alt, "is_first = 1")
		}
		if q.Last || (!q.First && len(q.At) == 0) {
			alt = append(alt, "is_last = 1")
		}
		if len(q.At) > 0 {
			vs := make([]int64, len(q.At))
			for i, t := range q.At {
				vs[i] = us(t)
			}
			c, a := inList(s.d, "version_us", vs)
			alt = append(alt, c)
			args = append(args, a...)
		}
		conds = append(conds, "("+strings.Join(alt, " OR ")+")")
	}
	if len(q.SpecVersions) > 0 {
		c, a := inList(s.d, "spec_version", q.SpecVersions)
		conds = append(conds, c)
		args = append(args, a...)
	}
	return strings.Join(conds, " AND "), args
}

// QueryObjects pages through a collection in date_added order.
func (s *Store) QueryObjects(ctx context.Context, q store.TAXIIQuery) ([]store.TAXIIRecord, bool, error) {
	limit := clampLimit(q.Limit, 1000, 100000)
	where := "collection_id = ? AND date_added > ?"
	args := []any{q.Collection, us(q.After)}
	if q.After.IsZero() {
		args[1] = int64(-1 << 62)
	}
	for _, f := range []struct {
		col  string
		vals []string
	}{{"object_id", q.IDs}, {"type", q.Types}} {
		if len(f.vals) > 0 {
			c, a := inList(s.d, f.col, f.vals)
			where += " AND " + c
			args = append(args, a...)
		}
	}
	if c, a := s.versionWhere(q); c != "" {
		where += " AND " + c
		args = append(args, a...)
	}
	cols := "object_id, type, spec_version, version, version_us, date_added"
	if q.Body {
		cols += ", body"
	}
	rows, err := s.query(ctx, s.db, fmt.Sprintf("SELECT %s FROM taxii_objects WHERE %s ORDER BY date_added LIMIT %d", cols, where, limit+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []store.TAXIIRecord
	for rows.Next() {
		var r store.TAXIIRecord
		var v, added int64
		dst := []any{&r.ID, &r.Type, &r.SpecVersion, &r.Version, &v, &added}
		if q.Body {
			dst = append(dst, &r.Body)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, false, err
		}
		r.VersionAt, r.DateAdded = fromUS(v), fromUS(added)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.wrap(err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// DeleteObject removes the selected versions of one object and marks the
// first and last of those left.
func (s *Store) DeleteObject(ctx context.Context, q store.TAXIIQuery) (int, error) {
	if len(q.IDs) != 1 {
		return 0, fmt.Errorf("delete: want one object id, have %d", len(q.IDs))
	}
	id := q.IDs[0]
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		// the collection's row lock, as AddObjects takes it: a version added
		// meanwhile cannot leave two versions marked last
		if _, err := s.exec(ctx, tx, "UPDATE taxii_collections SET last_added = last_added WHERE id = ?", q.Collection); err != nil {
			return err
		}
		where := "collection_id = ? AND object_id = ?"
		args := []any{q.Collection, id}
		if c, a := s.versionWhere(q); c != "" {
			where += " AND " + c
			args = append(args, a...)
		}
		r, err := s.exec(ctx, tx, "DELETE FROM taxii_objects WHERE "+where, args...)
		if err != nil {
			return err
		}
		if n, _ = r.RowsAffected(); n == 0 {
			return fmt.Errorf("object %.120q: %w", id, store.ErrNotFound)
		}
		_, err = s.exec(ctx, tx, `UPDATE taxii_objects SET
			is_first = CASE WHEN version_us = (SELECT MIN(version_us) FROM taxii_objects o WHERE o.collection_id = ? AND o.object_id = ?) THEN 1 ELSE 0 END,
			is_last = CASE WHEN version_us = (SELECT MAX(version_us) FROM taxii_objects o WHERE o.collection_id = ? AND o.object_id = ?) THEN 1 ELSE 0 END
			WHERE collection_id = ? AND object_id = ?`, q.Collection, id, q.Collection, id, q.Collection, id)
		return err
	})
	return int(n), err
}
