// Package postgres opens the fleet store in PostgreSQL, for teams and
// scale: several `cascade serve` replicas share one database, and any
// replica can take any request (row locks and leases coordinate them).
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"github.com/cascade-ir/cascade/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect describes PostgreSQL to the shared store.
func Dialect() *sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return &sqlstore.Dialect{
		Name: "postgres", Numbered: true, Arrays: true, ForUpdate: " FOR UPDATE", ForShare: " FOR SHARE",
		ILike: "ILIKE", Migrations: sub, MigrationLock: "SELECT pg_advisory_xact_lock(7318001)",
		Unavailable: unavailable, MaxVars: 30000, AfterHunt: "ANALYZE findings, finding_obs, finding_reasons",
		Durable: durable,
		// A lazy write (alert leases and results) does not wait for its
		// WAL flush; the next synchronous commit flushes it.
		LazyInTx: "SET LOCAL synchronous_commit = off",
		PathFold: `(lower(o.path) COLLATE "C")`, NameFold: `(lower(regexp_replace(o.path, '^.*[/\\]', '')) COLLATE "C")`,
		// 53100 disk_full.
		Full: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "53100"
		},
		Retryable: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
		},
	}
}

// unavailable reports connection failures, as opposed to bad queries.
func unavailable(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "failed to connect")
}

// Options tune Open; the zero value is right outside tests.
type Options struct {
	MaxMigration int
	MaxConns     int
}

// Open connects to the database at url (postgres://…) and migrates it.
func Open(ctx context.Context, url string, opt Options) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if opt.MaxConns <= 0 {
		opt.MaxConns = 20
	}
	db.SetMaxOpenConns(opt.MaxConns)
	db.SetMaxIdleConns(opt.MaxConns)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s, err := sqlstore.New(ctx, db, Dialect(), opt.MaxMigration)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	return s, nil
}

// durable checks that a commit PostgreSQL acknowledged is on disk:
// synchronous_commit not off, and fsync on.
func durable(ctx context.Context, db *sql.DB) (bool, string, error) {
	var commit, fsync string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('synchronous_commit'), current_setting('fsync')").Scan(&commit, &fsync); err != nil {
		return false, "", err
	}
	return durableSettings(commit, fsync), "synchronous_commit=" + commit + ", fsync=" + fsync, nil
}

func durableSettings(commit, fsync string) bool {
	return commit != "off" && fsync == "on"
}
