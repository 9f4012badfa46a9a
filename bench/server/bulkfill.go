package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
)

// foldIndexes are the fleet search's case-folded path and name indexes
// (migration 10): keyed by path, not by time, so each of a first
// snapshot's files is inserted at a random place in a 40M-row index.
var foldIndexes = []string{"file_obs_path_fold", "file_obs_name_fold"}

// bulkFill drops the fold indexes before the first snapshots and returns
// a step that rebuilds them, with the definitions the database itself
// holds, once the history is built: the database is then the one a
// normal fill gives, in a fraction of the time. The first-snapshot
// figures of such a run do not measure ingest (the report says so).
func (b *bench) bulkFill(ctx context.Context, engine, dsn string) (rebuild func(context.Context) error, err error) {
	db, err := openDirect(engine, dsn)
	if err != nil {
		return nil, err
	}
	var defs []string
	for _, name := range foldIndexes {
		var def string
		q := "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"
		if engine != "sqlite" {
			q = "SELECT indexdef FROM pg_indexes WHERE indexname = $1"
		}
		if err := db.QueryRowContext(ctx, q, name).Scan(&def); err != nil {
			db.Close()
			return nil, fmt.Errorf("bulk fill: definition of %s: %w", name, err)
		}
		defs = append(defs, def)
		if _, err := db.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			db.Close()
			return nil, fmt.Errorf("bulk fill: drop %s: %w", name, err)
		}
	}
	return func(ctx context.Context) error {
		defer db.Close()
		for _, def := range defs {
			if _, err := db.ExecContext(ctx, def); err != nil {
				return fmt.Errorf("bulk fill: %s: %w", def, err)
			}
		}
		if engine == "sqlite" {
			return nil // the server never runs ANALYZE: no statistics, as after a normal fill
		}
		// What autovacuum would do soon after a normal fill.
		_, err := db.ExecContext(ctx, "ANALYZE file_obs")
		return err
	}, nil
}

// openDirect opens the bench's own connection to the server's database.
func openDirect(engine, dsn string) (*sql.DB, error) {
	if engine != "sqlite" {
		return sql.Open("pgx", dsn)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(600000)")
	q.Add("_pragma", "journal_mode(WAL)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dsn}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// bulkNote is the report's line for a bulk-filled run.
func bulkNote(on bool) string {
	if !on {
		return ""
	}
	return strings.Join(foldIndexes, " and ") + " were dropped for the fill and rebuilt after it (-bulk-fill): the first-snapshot figures do not measure ingest"
}
