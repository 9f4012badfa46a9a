package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

// span is the first and last stored version of one object.
type span struct{ first, last int64 }

// versionKey is one version of one object.
type versionKey struct {
	id string
	v  int64
}

// pendingRow is one version about to be inserted.
type pendingRow struct {
	o           *store.TAXIIObject
	v, added    int64
	first, last bool
}

const taxiiInsertCols = 10

// AddObjects stores object versions. The collection's row is locked
// first (PostgreSQL: UPDATE takes a row lock until the commit; SQLite has
// one writer), so adds to one collection commit one at a time and each
// takes date_added values above every committed one: a reader that has
// seen date_added d will find everything added later above d.
func (s *Store) AddObjects(ctx context.Context, collection string, objs []store.TAXIIObject, now time.Time) ([]store.TAXIIAdded, error) {
	var out []store.TAXIIAdded
	err := s.write(ctx, func(tx *sql.Tx) error {
		var last int64
		err := s.row(ctx, tx, "UPDATE taxii_collections SET last_added = last_added WHERE id = ? RETURNING last_added", collection).Scan(&last)
		if err != nil {
			return fmt.Errorf("collection %.80q: %w", collection, s.wrap(err))
		}
		spans, have, err := s.objectSpans(ctx, tx, collection, objs)
		if err != nil {
			return err
		}
		next := max(us(now), last+1)
		out = make([]store.TAXIIAdded, len(objs))
		rows := make([]*pendingRow, 0, len(objs))
		newest := map[string]*pendingRow{}
		oldest := map[string]*pendingRow{}
		var clearFirst, clearLast []string
		for i := range objs {
			o := &objs[i]
			if o.Version == "" { // no created or modified: its version is its date_added
				o.VersionAt = fromUS(next)
				o.Version = o.VersionAt.Format("2006-01-02T15:04:05.000000Z")
			}
			v := us(o.VersionAt)
			key := versionKey{o.ID, v}
			out[i] = store.TAXIIAdded{ID: o.ID, Version: o.Version}
			if have[key] {
				out[i].Duplicate = true
				continue
			}
			have[key] = true
			r := &pendingRow{o: o, v: v, added: next}
			out[i].DateAdded = fromUS(next)
			next++
			sp, ok := spans[o.ID]
			r.first, r.last = !ok || v < sp.first, !ok || v > sp.last
			if r.first {
				if p := oldest[o.ID]; p != nil {
					p.first = false
				} else if ok {
					clearFirst = append(clearFirst, o.ID)
				}
				oldest[o.ID] = r
				sp.first = v
			}
			if r.last {
				if p := newest[o.ID]; p != nil {
					p.last = false
				} else if ok {
					clearLast = append(clearLast, o.ID)
				}
				newest[o.ID] = r
				sp.last = v
			}
			if !ok {
				sp = span{v, v}
			}
			spans[o.ID] = sp
			rows = append(rows, r)
		}
		if err := s.clearFlags(ctx, tx, collection, "is_first", clearFirst); err != nil {
			return err
		}
		if err := s.clearFlags(ctx, tx, collection, "is_last", clearLast); err != nil {
			return err
		}
		if err := s.insertVersions(ctx, tx, collection, rows); err != nil {
			return err
		}
		if len(rows) > 0 {
			_, err = s.exec(ctx, tx, "UPDATE taxii_collections SET last_added = ? WHERE id = ?", next-1, collection)
		}
		return err
	})
	return out, err
}

// objectSpans reads the first and last stored version of each object in
// objs and which of objs' versions are stored already.
func (s *Store) objectSpans(ctx context.Context, tx *sql.Tx, collection string, objs []store.TAXIIObject) (map[string]span, map[versionKey]bool, error) {
	seen := make(map[string]bool, len(objs))
	var ids []string
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	spans := make(map[string]span, len(ids))
	for _, c := range chunks(ids, s.d.MaxVars-1) {
		in, args := inList(s.d, "object_id", c)
		rows, err := s.query(ctx, tx, "SELECT object_id, MIN(version_us), MAX(version_us) FROM taxii_objects WHERE collection_id = ? AND "+in+
			" GROUP BY object_id", append([]any{collection}, args...)...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id string
			var sp span
			if err := rows.Scan(&id, &sp.first, &sp.last); err != nil {
				rows.Close()
				return nil, nil, err
			}
			spans[id] = sp
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, s.wrap(err)
		}
	}
	have := map[versionKey]bool{}
	for _, o := range objs {
		v := us(o.VersionAt)
		if sp, ok := spans[o.ID]; ok && o.Version != "" && v >= sp.first && v <= sp.last {
			var n int
			if err := s.row(ctx, tx, "SELECT COUNT(*) FROM taxii_objects WHERE collection_id = ? AND object_id = ? AND version_us = ?",
				collection, o.ID, v).Scan(&n); err != nil {
				return nil, nil, s.wrap(err)
			}
			have[versionKey{o.ID, v}] = n > 0
		}
	}
	return spans, have, nil
}

// clearFlags unmarks the stored first or last version of objects that
// have a new one.
func (s *Store) clearFlags(ctx context.Context, tx *sql.Tx, collection, col string, ids []string) error {
	for _, c := range chunks(ids, s.d.MaxVars-1) {
		in, args := inList(s.d, "object_id", c)
		if _, err := s.exec(ctx, tx, "UPDATE taxii_objects SET "+col+" = 0 WHERE collection_id = ? AND "+col+" = 1 AND "+in,
			append([]any{collection}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

const taxiiInsert = "INSERT INTO taxii_objects (collection_id, object_id, type, spec_version, version, version_us, date_added, is_first, is_last, body) VALUES "

// taxiiRowsPerInsert is how many rows one INSERT carries on SQLite (in
// process: enough that the per-statement cost, database/sql's and the
// driver's, with a goroutine watching the context, is spread thin) and
// elsewhere (one network round trip each).
const taxiiRowsPerInsert, taxiiRowsPerRemoteInsert = 100, 500

// insertVersions writes rows with multi-row INSERTs. On SQLite every full
// chunk goes through one statement prepared for the transaction (one row a
// statement cost twice as much CPU; parsing a statement of hundreds of
// rows for each chunk would cost more again), the last partial chunk
// through its own statement.
func (s *Store) insertVersions(ctx context.Context, tx *sql.Tx, collection string, rows []*pendingRow) error {
	per := taxiiRowsPerRemoteInsert
	if s.d.SerializeWrites {
		per = taxiiRowsPerInsert
	}
	per = min(s.d.MaxVars/taxiiInsertCols, per)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*taxiiInsertCols)
	for _, c := range chunks(rows, per) {
		args = args[:0]
		for _, r := range c {
			args = append(args, collection, r.o.ID, r.o.Type, r.o.SpecVersion, r.o.Version, r.v, r.added, b2i(r.first), b2i(r.last), r.o.Body)
		}
		if len(c) < per || !s.d.SerializeWrites {
			// PostgreSQL's driver keeps its own statement per connection:
			// preparing here would parse it again on the server every add
			if _, err := s.exec(ctx, tx, insertRows(len(c)), args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			st, err := tx.PrepareContext(ctx, s.q(insertRows(per)))
			if err != nil {
				return s.wrap(err)
			}
			full = st
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return s.wrap(err)
		}
	}
	return nil
}

// insertRows is an INSERT of n rows of taxii_objects.
func insertRows(n int) string {
	var b strings.Builder
	b.Grow(len(taxiiInsert) + n*22)
	b.WriteString(taxiiInsert)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
	}
	return b.String()
}
