package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	names, err := fs.Glob(s.d.Migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, n := range names {
		v, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", n)
		}
		b, err := fs.ReadFile(s.d.Migrations, n)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && out[len(out)-1].version >= v {
			return nil, fmt.Errorf("migration %s: versions must increase", n)
		}
		out = append(out, migration{v, n, string(b)})
	}
	return out, nil
}

// migrate applies the migrations not yet applied, each in a transaction,
// up to max (0: all). A database newer than this binary is an error.
func (s *Store) migrate(ctx context.Context, max int) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if s.d.MigrationLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		cur, err := s.schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if len(ms) > 0 && cur > ms[len(ms)-1].version {
			return fmt.Errorf("database schema version %d is newer than this binary knows (%d); upgrade cascade", cur, ms[len(ms)-1].version)
		}
		for _, m := range ms {
			if m.version <= cur || (max > 0 && m.version > max) {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

func (s *Store) schemaVersion(ctx context.Context, e execer) (int, error) {
	var v sql.NullInt64
	if err := s.row(ctx, e, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", s.wrap(err))
	}
	return int(v.Int64), nil
}

// SchemaVersion is the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) { return s.schemaVersion(ctx, s.db) }
