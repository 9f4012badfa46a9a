package linux

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// sqliteLimitLength is sqlite3_limit's SQLITE_LIMIT_LENGTH: no string or
// blob longer than the limit is ever loaded.
const sqliteLimitLength = 0

// readSQLite hands each header blob in rpm's rpmdb.sqlite (a table
// Packages(hnum, blob)) to visit. path is a private copy: SQLite may
// replay a write-ahead log into it. The schema is checked first, so a
// hostile database cannot make the query run code of its choosing (a
// view, a generated column, a virtual table).
func readSQLite(ctx context.Context, path string, visit visitFunc, probs *problems) error {
	db, err := sql.Open("sqlite", path+"?_pragma=trusted_schema(0)&_pragma=cell_size_check(1)")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer conn.Close()
	if _, err := sqlite.Limit(conn, sqliteLimitLength, maxHeaderBlob+1); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := checkPackagesTable(ctx, conn); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx,
		"SELECT hnum, CASE WHEN length(blob) <= ? THEN blob END FROM Packages", maxHeaderBlob)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hnum int64
		var blob []byte
		if err := rows.Scan(&hnum, &blob); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if blob == nil {
			probs.add(fmt.Errorf("sqlite package %d: no header or one over %d bytes", hnum, maxHeaderBlob))
			continue
		}
		visit(fmt.Sprintf("sqlite package %d", hnum), blob)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// checkPackagesTable accepts Packages only as an ordinary table whose
// blob column is stored, not computed.
func checkPackagesTable(ctx context.Context, conn *sql.Conn) error {
	var kind, ddl string
	err := conn.QueryRowContext(ctx,
		"SELECT type, coalesce(sql, '') FROM sqlite_master WHERE name = 'Packages'").Scan(&kind, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("sqlite database has no Packages table")
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if kind != "table" || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ddl)), "CREATE TABLE") {
		return fmt.Errorf("sqlite Packages is a %s, not a plain table", kind)
	}
	rows, err := conn.QueryContext(ctx, "SELECT name, hidden FROM pragma_table_xinfo('Packages')")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	stored := false
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if hidden != 0 {
			return fmt.Errorf("sqlite Packages has a computed or hidden column %q", name)
		}
		stored = stored || strings.EqualFold(name, "blob")
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !stored {
		return errors.New("sqlite Packages has no blob column")
	}
	return nil
}
