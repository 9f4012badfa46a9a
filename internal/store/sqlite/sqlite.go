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
	mdb, err := openDB(ctx, path, "FILE", 1)
	if err != nil {
		return nil, err
	}
	_, err = sqlstore.New(ctx, mdb, Dialect(), opt.MaxMigration)
	mdb.Close()
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := openDB(ctx, path, "MEMORY", 8)
	if err != nil {
		return nil, err
	}
	return sqlstore.Wrap(db, Dialect()), nil
}

// openDB opens a pool of up to conns connections to the file at path.
func openDB(ctx context.Context, path, tempStore string, conns int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(30000)", "journal_mode(WAL)", "synchronous(NORMAL)",
		"foreign_keys(ON)", "cache_size(-65536)", "temp_store(" + tempStore + ")"} {
		q.Add("_pragma", p)
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
