// Package sqlstore implements store.Store over database/sql for both
// engines. The differences between SQLite and PostgreSQL (placeholders,
// arrays, row locks, migrations) are described by a Dialect; everything
// else is one body of SQL.
package sqlstore

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Dialect is what differs between the engines.
type Dialect struct {
	Name string
	// Numbered placeholders ($1) instead of ?.
	Numbered bool
	// Arrays: "col = ANY(?)" with a slice argument instead of IN lists.
	Arrays bool
	// ForUpdate and ForShare are row-lock suffixes ("" where the engine
	// serializes writers anyway).
	ForUpdate, ForShare string
	// ILike is the case-insensitive LIKE operator.
	ILike string
	// SerializeWrites takes a process-wide lock around write transactions
	// (SQLite has one writer).
	SerializeWrites bool
	// Migrations holds NNNN_name.sql files; MigrationLock runs first in the
	// migration transaction (an advisory lock for concurrent replicas).
	Migrations    fs.FS
	MigrationLock string
	// Unavailable reports errors that mean the database is unreachable.
	Unavailable func(error) bool
	// Full reports that the database's storage is full (it becomes
	// store.ErrFull).
	Full func(error) bool
	// Durable reports whether a committed transaction survives a power
	// failure with the connection's settings, and names them.
	Durable func(ctx context.Context, db *sql.DB) (bool, string, error)
	// Retryable reports a transaction aborted to break a deadlock or a
	// serialization conflict; it becomes store.ErrConflict.
	Retryable func(error) bool
	// MaxVars caps bind variables per statement.
	MaxVars int
	// LazyInTx runs first inside a lazy write transaction (writeLazy): a
	// setting under which its commit does not wait for the disk ("" for
	// none). SQLite has none: with one WAL synced in order, the next
	// upload's commit would sync the lazy pages with its own and the
	// upload would wait for them (measured: docs/server.md, Benchmarks,
	// round of 2026-12-08).
	LazyInTx string
	// AfterHunt runs once a hunt is done, outside its transactions (""
	// for none): PostgreSQL refreshes the planner's statistics on the
	// findings tables the hunt filled, which autovacuum would leave stale
	// for up to a minute, planning the findings pages for the empty tables
	// they were.
	AfterHunt string
	// DigestScope, when set, is ANDed to a hunt's lookup of file digests:
	// the condition that lets an engine whose digest indexes lead with
	// an epoch of row ids (id >> DigestEpochShift, SQLite) use them. It
	// takes the first and the last epoch to look in; DigestEpochs selects
	// the newest epoch there is.
	DigestScope      string
	DigestEpochs     string
	DigestEpochShift uint
	// PathFold and NameFold are the case-folded file path and file name
	// (last element) expressions a search ranges over, exactly as the
	// engine's migration 0010 indexes them; empty means SQLite's.
	PathFold, NameFold string
}

// Store is the shared implementation.
type Store struct {
	db  *sql.DB // reads, and writes when wdb is db
	wdb *sql.DB // write transactions
	d   *Dialect
	wmu sync.Mutex
	qs  sync.Map // query text → rebound text
	// stmts caches prepared statements by query text (SQLite parses every
	// unprepared query again; PostgreSQL's driver caches on its own).
	stmts  sync.Map
	nstmts atomic.Int64
	// cache keeps decoded records that do not change.
	cache bodyCache
	// hardWrites and softWrites count this process's committed write
	// transactions: an analyst's or admin's own changes, and background
	// work's (see summaryCache).
	hardWrites, softWrites atomic.Uint64
	incidents              summaryCache[[]fleet.Incident]
	totals                 summaryCache[int]
	// feedAEAD seals feed credentials (SetFeedKey; nil: no key).
	feedAEAD atomic.Pointer[cipher.AEAD]
	// queueEst bounds alert sinks' pending deliveries (alerts.go).
	queueEst queueEstimates
}

func (s *Store) writeCounts() writeCounts {
	return writeCounts{hard: s.hardWrites.Load(), soft: s.softWrites.Load()}
}

// total runs a COUNT query through the totals cache.
func (s *Store) total(ctx context.Context, query string, args ...any) (int, error) {
	return s.totals.get(query+"\x00"+fmt.Sprintf("%#v", args), s.writeCounts, func() (int, error) {
		var n int
		err := s.row(ctx, s.db, query, args...).Scan(&n)
		return n, s.wrap(err)
	})
}

// bodyCache is a bounded map of decoded records; when full it starts over.
type bodyCache struct {
	mu sync.Mutex
	m  map[string]any
}

const bodyCacheSize = 200_000

func (c *bodyCache) get(k string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *bodyCache) put(k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= bodyCacheSize {
		c.m = make(map[string]any, 1024)
	}
	c.m[k] = v
}

// maxStmts bounds the statement cache: queries with expanded IN lists
// vary in length and are not worth keeping.
const maxStmts = 256

// New wraps an open database and runs the migrations up to max (0: all).
func New(ctx context.Context, db *sql.DB, d *Dialect, max int) (*Store, error) {
	s := Wrap(db, d)
	if err := s.migrate(ctx, max); err != nil {
		return nil, err
	}
	return s, nil
}

// Wrap returns the store over a database New has migrated (through
// another pool of connections to it, say).
func Wrap(db *sql.DB, d *Dialect) *Store { return &Store{db: db, wdb: db, d: d} }

// WithWriter sends every write transaction to a pool of its own, w; the
// store closes it too. SQLite gives a reader connection an empty page
// cache whenever another connection committed since its last transaction:
// with writes on one connection of their own, the writer's cache holds the
// indexes it updates from one upload to the next instead of reading them
// again each time.
func (s *Store) WithWriter(w *sql.DB) *Store {
	s.wdb = w
	return s
}

// Engine names the database engine.
func (s *Store) Engine() string { return s.d.Name }

// Close closes the database.
func (s *Store) Close() error {
	if s.wdb != s.db { // the writer last: the last connection checkpoints the WAL
		err := s.db.Close()
		return errors.Join(err, s.wdb.Close())
	}
	return s.db.Close()
}

// DB exposes the handle to engine packages and tests.
func (s *Store) DB() *sql.DB { return s.db }

// WriteDB is the pool write transactions use (DB unless WithWriter).
func (s *Store) WriteDB() *sql.DB { return s.wdb }

// Rebind rewrites query's ? placeholders for the engine (tests that go
// past the store).
func (s *Store) Rebind(query string) string { return s.q(query) }

// q rewrites ? placeholders for the engine.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	if v, ok := s.qs.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	if len(query) < 4096 {
		s.qs.Store(query, out)
	}
	return out
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) exec(ctx context.Context, e execer, query string, args ...any) (sql.Result, error) {
	if st := s.prepared(ctx, e, query); st != nil {
		r, err := st.ExecContext(ctx, args...)
		return r, s.wrap(err)
	}
	r, err := e.ExecContext(ctx, s.q(query), args...)
	return r, s.wrap(err)
}

func (s *Store) query(ctx context.Context, e execer, query string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, e, query); st != nil {
		r, err := st.QueryContext(ctx, args...)
		return r, s.wrap(err)
	}
	r, err := e.QueryContext(ctx, s.q(query), args...)
	return r, s.wrap(err)
}

func (s *Store) row(ctx context.Context, e execer, query string, args ...any) *sql.Row {
	if st := s.prepared(ctx, e, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return e.QueryRowContext(ctx, s.q(query), args...)
}

// prepared returns the cached prepared statement for a query, bound to the
// transaction when e is one, or nil when the query is not worth caching.
// Statements are prepared only outside transactions: preparing takes a
// connection from the pool, and a transaction already holds one (with a
// full pool that would wait forever).
func (s *Store) prepared(ctx context.Context, e execer, query string) *sql.Stmt {
	if len(query) > 4096 {
		return nil
	}
	tx, inTx := e.(*sql.Tx)
	if inTx && s.wdb != s.db {
		return nil // the cache's statements belong to the read pool
	}
	if v, ok := s.stmts.Load(query); ok {
		if inTx {
			return tx.StmtContext(ctx, v.(*sql.Stmt))
		}
		return v.(*sql.Stmt)
	}
	if inTx || s.nstmts.Load() >= maxStmts {
		return nil
	}
	p, err := s.db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil // the unprepared path reports the error
	}
	if v, loaded := s.stmts.LoadOrStore(query, p); loaded {
		p.Close()
		return v.(*sql.Stmt)
	}
	s.nstmts.Add(1)
	return p
}

// write runs fn in a write transaction: an analyst's or admin's change,
// which cached summaries reflect at once.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.commit(ctx, &s.hardWrites, fn)
}

// writeBackground runs fn in a write transaction of background work
// (uploads, hunt batches, leases, sessions), which cached summaries may
// lag by one recomputation.
func (s *Store) writeBackground(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.commit(ctx, &s.softWrites, fn)
}

// writeLazy runs fn in a write transaction of background work whose loss
// in a power failure or an OS crash costs nothing but a repetition: alert
// deliveries' leases and results (a delivery whose result is lost is sent
// again, and receivers drop repeats by delivery id). On PostgreSQL its
// commit does not wait for the disk; on SQLite it is an ordinary durable
// commit (Dialect.LazyInTx says why).
func (s *Store) writeLazy(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.commitWith(ctx, &s.softWrites, true, fn)
}

// commit runs fn in a write transaction and counts it in writes.
func (s *Store) commit(ctx context.Context, writes *atomic.Uint64, fn func(tx *sql.Tx) error) error {
	return s.commitWith(ctx, writes, false, fn)
}

func (s *Store) commitWith(ctx context.Context, writes *atomic.Uint64, lazy bool, fn func(tx *sql.Tx) error) error {
	if s.d.SerializeWrites {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err)
	}
	if lazy && s.d.LazyInTx != "" {
		if _, err := tx.ExecContext(ctx, s.d.LazyInTx); err != nil {
			tx.Rollback()
			return s.wrap(err)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if ctx.Err() != nil { // database/sql rolled back for a caller that left
			return fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return s.wrap(err)
	}
	err = tx.Commit()
	writes.Add(1) // even a failed commit may have landed
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return s.wrap(err)
	}
	return nil
}

// wrap marks connection failures as store.ErrUnavailable and missing rows
// as store.ErrNotFound.
func (s *Store) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %v", store.ErrNotFound, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err // the caller gave up; the database may be fine
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrFull):
		return err
	case errors.Is(err, syscall.ENOSPC), s.d.Full != nil && s.d.Full(err):
		return fmt.Errorf("%w: %v", store.ErrFull, err)
	case s.d.Unavailable != nil && s.d.Unavailable(err):
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	case s.d.Retryable != nil && s.d.Retryable(err):
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// inList returns "col IN (?,…)" or "col = ANY(?)" and its arguments.
func inList[T any](d *Dialect, col string, vals []T) (string, []any) {
	if d.Arrays {
		return col + " = ANY(?)", []any{vals}
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	if len(vals) == 0 {
		return "1 = 0", nil
	}
	return col + " IN (?" + strings.Repeat(",?", len(vals)-1) + ")", args
}

// chunks splits vals so no statement exceeds the variable cap.
func chunks[T any](vals []T, n int) [][]T {
	var out [][]T
	for len(vals) > n {
		out = append(out, vals[:n])
		vals = vals[n:]
	}
	if len(vals) > 0 {
		out = append(out, vals)
	}
	return out
}

// ms stores times as Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// tm reads a stored time.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func tmNull(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return tm(v.Int64)
}

// likeEscape quotes LIKE wildcards in a search term.
func likeEscape(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
}

// page is a listing's LIMIT and OFFSET clause and its arguments. The limit
// is written into the SQL, not bound, and a zero offset is left out: with a
// bound LIMIT, modernc's SQLite re-prepared the statement at every execution
// (a tenth of the server's CPU under the bench's API load; a listing query
// took ~35 µs longer). Limits are clamped, so few statements result; a
// non-zero offset stays bound so that paging does not fill the statement
// cache.
func page(limit, offset int) (string, []any) {
	if offset <= 0 {
		return " LIMIT " + strconv.Itoa(limit), nil
	}
	return " LIMIT " + strconv.Itoa(limit) + " OFFSET ?", []any{offset}
}

func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

// Durability reports whether a write this store acknowledges survives a
// power failure, and the settings that decide it.
func (s *Store) Durability(ctx context.Context) (bool, string, error) {
	if s.d.Durable == nil {
		return false, "unknown", nil
	}
	return s.d.Durable(ctx, s.wdb)
}
