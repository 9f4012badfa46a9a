package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
	"github.com/cascade-ir/cascade/internal/store/sqlstore"
	"github.com/cascade-ir/cascade/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{Latest: 18, SkipFileIDs: skipFileIDs, SQL: rawSQL, Raw: rawRows, Fresh: func(t *testing.T, max int) (store.Store, func(int) (store.Store, error)) {
		dsn := pgtest.Database(t)
		s, err := Open(context.Background(), dsn, Options{MaxMigration: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func(max int) (store.Store, error) {
			s, err := Open(context.Background(), dsn, Options{MaxMigration: max})
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
	}})
}

func rawSQL(t *testing.T, s store.Store) (*sql.DB, func(string) string) {
	st := s.(*sqlstore.Store)
	return st.DB(), st.Rebind
}

// rawRows is every row of every table of the store's schema as text.
func rawRows(t *testing.T, s store.Store) []byte {
	t.Helper()
	ctx := context.Background()
	db := s.(*sqlstore.Store).DB()
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) == 0 {
		t.Fatal("no tables")
	}
	var all []byte
	for _, name := range tables {
		rows, err := db.QueryContext(ctx, `SELECT t::text FROM "`+name+`" t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			all = append(append(all, row...), '\n')
		}
		rows.Close()
	}
	return all
}

// skipFileIDs moves file observations' identity on to next.
func skipFileIDs(t *testing.T, s store.Store, next int64) {
	t.Helper()
	_, err := s.(*sqlstore.Store).DB().ExecContext(context.Background(),
		"SELECT setval(pg_get_serial_sequence('file_obs', 'id'), GREATEST($1, (SELECT COALESCE(MAX(id), 1) FROM file_obs)))", next-1)
	if err != nil {
		t.Fatal(err)
	}
}

func TestUnavailable(t *testing.T) {
	_, err := Open(context.Background(), "postgres://cascade@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", Options{})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if !unavailable(err) {
		t.Fatalf("a refused connection is not classified as unavailable: %v", err)
	}
}

// TestAnalyzeAfterHunt: a finished hunt refreshes the planner's statistics
// on the findings tables (a running one does not).
func TestAnalyzeAfterHunt(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	analyzed := func() bool {
		t.Helper()
		var at sql.NullTime
		if err := db.QueryRowContext(ctx, "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'findings'").Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at.Valid
	}
	now := time.Now()
	v, id, err := s.ApplyIntelChange(ctx, store.IntelChange{HuntReason: "test", HuntSpec: []byte(`{}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimHunt(ctx, "r1", now, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, done := range []bool{false, true} {
		c := store.HuntCommit{HuntID: id, Owner: "r1", IntelVersion: v, Phase: 1, Done: done, Now: now, Lease: time.Minute}
		if err := s.CommitHunt(ctx, c); err != nil {
			t.Fatal(err)
		}
		got := analyzed()
		for deadline := time.Now().Add(3 * time.Second); done && !got && time.Now().Before(deadline); got = analyzed() {
			time.Sleep(50 * time.Millisecond) // statistics are shared at the analyzing backend's pace
		}
		if got != done {
			t.Fatalf("hunt done %v: findings analyzed %v", done, got)
		}
	}
}

func TestDurableSettings(t *testing.T) {
	for _, tc := range []struct {
		commit, fsync string
		want          bool
	}{
		{"on", "on", true},
		{"local", "on", true},
		{"remote_write", "on", true},
		{"remote_apply", "on", true},
		{"off", "on", false},
		{"on", "off", false},
	} {
		if got := durableSettings(tc.commit, tc.fsync); got != tc.want {
			t.Errorf("synchronous_commit=%s fsync=%s: durable %v, want %v", tc.commit, tc.fsync, got, tc.want)
		}
	}
	dsn := pgtest.Database(t)
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The test server may well run with fsync off: what matters is that
	// the settings are read and judged.
	ok, how, err := s.Durability(context.Background())
	var commit, fsync string
	if _, serr := fmt.Sscanf(strings.ReplaceAll(how, ",", " "), "synchronous_commit=%s fsync=%s", &commit, &fsync); err != nil || serr != nil || ok != durableSettings(commit, fsync) {
		t.Fatalf("the test server's durability: %v %q %v", ok, how, err)
	}
	t.Logf("test server: %s (durable %v)", how, ok)
}
