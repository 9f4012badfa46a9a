// Package sqlite opens the embedded fleet store: one SQLite file in the
// server's data directory, in WAL mode, with no set-up. Pure Go
// (modernc.org/sqlite), so the server builds without cgo everywhere.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/cascade-ir/cascade/internal/store/sqlstore"
	_ "modernc.org/sqlite" // driver "sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect describes SQLite to the shared store.
func Dialect() *sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return &sqlstore.Dialect{
		Name: "sqlite", ILike: "LIKE", SerializeWrites: true, Migrations: sub, MaxVars: 10000,
		DigestScope: digestScope, DigestEpochs: digestEpochs, DigestEpochShift: epochShift,
		Unavailable: func(err error) bool {
			return strings.Contains(err.Error(), "SQLITE_CANTOPEN") || strings.Contains(err.Error(), "database is locked")
		},
		Durable: durable,
		// SQLITE_FULL (13): the disk, or max_page_count, is full.
		Full: func(err error) bool {
			m := err.Error()
			return strings.Contains(m, "SQLITE_FULL") || strings.Contains(m, "database or disk is full")
		},
	}
}

// epochShift is the width of a digest-index epoch, as migration 0004's
// indexes lead with (id >> 20): 2^20 file observations.
const epochShift = 20

// digestScope names the epochs of file observations from the first
// argument to the second, so a digest is looked up once per epoch;
// digestEpochs is the newest epoch there is.
var (
	digestScope = fmt.Sprintf(`(o.id >> %d) IN (WITH RECURSIVE epoch(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM epoch
	WHERE n < ?) SELECT n FROM epoch)`, epochShift)
	digestEpochs = fmt.Sprintf(`SELECT COALESCE(MAX(id), 0) >> %d FROM file_obs`, epochShift)
)

// Options tune Open; the zero value is right outside tests.
type Options struct {
	// MaxMigration stops migrating at this version (tests of upgrades).
	MaxMigration int
	// GrowPages lets the database grow by at most this many pages past
	// its size after migrating (tests of a full disk: SQLITE_FULL).
	GrowPages int
}

// Open opens (creating if needed) the store in the SQLite file at path and
// migrates it.
func Open(ctx context.Context, path string, opt Options) (*sqlstore.Store, error) {
	// The database holds credential hashes and every host's inventory:
	// create it readable by the server's user only (SQLite gives its
	// -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	// Migrations run on a connection of their own whose temporary
	// storage is on disk: rebuilding an index sorts every row, and with
	// temp_store=MEMORY the sort's overflow grew the process by ~60 MB per
	// million file observations (migration 4 at 8M: 641 MB peak RSS, 334 MB
	// with FILE, in the same 15 s).
	mdb, err := openDB(ctx, path, "FILE", 1, writerCacheKiB, "")
	if err != nil {
		return nil, err
	}
	_, err = sqlstore.New(ctx, mdb, Dialect(), opt.MaxMigration)
	writerExtra := ""
	if err == nil && opt.GrowPages > 0 {
		var pages int
		err = mdb.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
		writerExtra = fmt.Sprintf("max_page_count(%d)", pages+opt.GrowPages)
	}
	mdb.Close()
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := openDB(ctx, path, "MEMORY", 8, readerCacheKiB, "query_only(1)")
	if err != nil {
		return nil, err
	}
	w, err := openDB(ctx, path, "MEMORY", 1, writerCacheKiB, writerExtra)
	if err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.Wrap(db, Dialect()).WithWriter(w), nil
}

// Synchronous is the SQLite synchronous setting of every connection.
// FULL: in WAL mode each commit syncs the WAL, so a transaction the
// server acknowledged survives a power failure or an OS crash. (NORMAL
// syncs only at checkpoints: a crash of the process loses nothing, a
// power failure may lose the last commits — uploads the agents were told
// were stored and have deleted from their queues.)
const Synchronous = "FULL"

// Page caches, per connection. A commit empties the page cache of every
// other connection at its next transaction (SQLite cannot tell which pages
// it changed), so under a fleet's steady uploads a reader's cache lasts
// one request. A large one then only costs the allocator: each page read
// is a new allocation, and the emptied cache's pages go back one by one,
// their memory handed back to the OS (madvise) past a few MiB. A
// retro-hunt reading every software observation (2,000 hosts × 80) took
// 1.25–1.37 s with 8 MiB per reader and 0.81–1.06 s with 1–2 MiB. The
// one writer connection keeps its cache from one upload to the next: it
// holds the upper levels of the indexes every upload updates.
const (
	readerCacheKiB = 2 << 10
	writerCacheKiB = 64 << 10
)

// openDB opens a pool of up to conns connections to the file at path,
// each with a page cache of cacheKiB and the extra pragma if any (the
// readers are query_only: a write sent to them by mistake fails instead
// of emptying every other connection's cache).
func openDB(ctx context.Context, path, tempStore string, conns, cacheKiB int, extra string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(30000)", "journal_mode(WAL)", "synchronous(" + Synchronous + ")",
		"foreign_keys(ON)", fmt.Sprintf("cache_size(-%d)", cacheKiB), "temp_store(" + tempStore + ")"} {
		q.Add("_pragma", p)
	}
	if extra != "" {
		q.Add("_pragma", extra)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// durable checks that the writer syncs every commit (synchronous FULL or
// EXTRA: 2 or 3).
func durable(ctx context.Context, db *sql.DB) (bool, string, error) {
	var level int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		return false, "", err
	}
	name := map[int]string{0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[level]
	return level >= 2, "synchronous=" + name, nil
}
