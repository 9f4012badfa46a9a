package netart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// dsn builds the connection string for a private copy. SQLite opens it
// read-only (mode=ro) unless recovery is asked for; every connection is
// query-only, defensive (no writable_schema tricks) and does not trust the
// schema (views and triggers in a hostile file may not call functions with
// side effects). cell_size_check makes corrupt pages fail early.
func dsn(path string, recovery bool) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/… → /C:/…, as SQLite URIs on Windows want
	}
	mode := "ro"
	if recovery {
		mode = "rw"
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String() + "?mode=" + mode +
		"&_query_only=1&_defensive=1" +
		"&_pragma=trusted_schema(0)&_pragma=cell_size_check(1)"
}

// readResult is what one database yielded. Artifacts lack Browser, User
// and Source, which the collector fills in.
type readResult struct {
	Artifacts []snapshot.Artifact
	// Notes are partial problems: one table unreadable, a row cap reached.
	Notes []error
}

// queryFunc reads one table family of an open database into res.
type queryFunc func(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error

// readCopy opens a private copy and runs the queries. When the copy holds a
// hot rollback journal, a read-only connection cannot roll it back and
// SQLite answers SQLITE_READONLY; the copy (never the original) is then
// opened read-write once so SQLite can restore its last committed state.
func readCopy(ctx context.Context, c *dbCopy, maxRows int, queries []queryFunc) (*readResult, error) {
	res, err := readOnce(ctx, c.Path, false, maxRows, queries)
	if err != nil && c.HasJournal && isCode(err, sqlite3.SQLITE_READONLY) {
		res, err = readOnce(ctx, c.Path, true, maxRows, queries)
	}
	return res, err
}

// readOnce runs every query; it fails only when none of them succeeded.
func readOnce(ctx context.Context, path string, recovery bool, maxRows int, queries []queryFunc) (res *readResult, err error) {
	defer guard.Recover(&err, "sqlite", path)
	res, err = readQueries(ctx, path, recovery, maxRows, queries)
	return res, err
}

func readQueries(ctx context.Context, path string, recovery bool, maxRows int, queries []queryFunc) (*readResult, error) {
	db, err := sql.Open("sqlite", dsn(path, recovery))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	res := &readResult{}
	var failed []error
	for _, q := range queries {
		if err := q(ctx, db, maxRows, res); err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) == len(queries) {
		return nil, errors.Join(failed...)
	}
	res.Notes = append(res.Notes, failed...)
	return res, nil
}

// isCode reports an SQLite error whose primary result code is code.
func isCode(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == code
}

// capNote is recorded when a query hit the row cap.
func capNote(what string, maxRows int) error {
	return fmt.Errorf("%s: more than %d rows; the rest were not read", what, maxRows)
}
