package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlstore"
	"github.com/cascade-ir/cascade/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{Latest: 18, SkipFileIDs: skipFileIDs, SQL: rawSQL, Raw: rawFiles, Fresh: func(t *testing.T, max int) (store.Store, func(int) (store.Store, error)) {
		path := filepath.Join(t.TempDir(), "cascade.db")
		s, err := Open(context.Background(), path, Options{MaxMigration: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func(max int) (store.Store, error) {
			s, err := Open(context.Background(), path, Options{MaxMigration: max})
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
	}})
}

func rawSQL(t *testing.T, s store.Store) (*sql.DB, func(string) string) {
	st := s.(*sqlstore.Store)
	return st.WriteDB(), st.Rebind
}

// rawFiles reads the database's file and its write-ahead log from disk.
func rawFiles(t *testing.T, s store.Store) []byte {
	t.Helper()
	var path string
	if err := s.(*sqlstore.Store).DB().QueryRowContext(context.Background(), "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatalf("database file %q is empty", path)
	}
	return all
}

// skipFileIDs leaves a closed placeholder row (of no host) just below
// next, so SQLite numbers the next file observation next.
func skipFileIDs(t *testing.T, s store.Store, next int64) {
	t.Helper()
	_, err := s.(*sqlstore.Store).WriteDB().ExecContext(context.Background(), `INSERT INTO file_obs
		(id, host_id, key, first_seen, closed_at, path, size, mtime, type, usr)
		SELECT ?, 0, randomblob(16), 0, 0, '', 0, 0, '', '' WHERE (SELECT COALESCE(MAX(id), 0) FROM file_obs) < ?`, next-1, next-1)
	if err != nil {
		t.Fatal(err)
	}
}

// TestDigestLookupPlan: a hunt's digest lookup is an index search under
// every epoch, not a scan of the history (the scope and the index of
// migration 0004 must agree on their expression).
func TestDigestLookupPlan(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	for col, index := range map[string]string{"sha256_p": "file_obs_sha256", "sha1": "file_obs_sha1", "md5": "file_obs_md5"} {
		rows, err := s.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN SELECT o.id, o.path FROM file_obs o WHERE "+digestScope+
			" AND o."+col+" IN (?, ?) AND o.id > ? ORDER BY o.id LIMIT 100", 0, 3, 1, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		want := "SEARCH o USING INDEX " + index + " (<expr>=? AND " + col + "=?"
		if len(plan) == 0 || !strings.HasPrefix(plan[0], want) {
			t.Errorf("%s lookup plan %q, want it to start with %q", col, plan, want)
		}
	}
}

// TestReadersReadOnly: writes go to the one writer connection; the read
// pool refuses them (the conformance suite runs every write through the
// store on this arrangement).
func TestReadersReadOnly(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const insert = "INSERT INTO audit (at, actor, role, action, target) VALUES (0, 'test', 'admin', 'test', '')"
	if _, err := s.DB().ExecContext(ctx, insert); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a write through the read pool: %v, want it refused as read-only", err)
	}
	if _, err := s.WriteDB().ExecContext(ctx, insert); err != nil {
		t.Errorf("a write through the writer: %v", err)
	}
	if s.DB() == s.WriteDB() {
		t.Error("reads and writes share one pool")
	}
	if n := s.WriteDB().Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool of %d connections, want 1", n)
	}
}

// openTemp opens a new store in a temporary directory, closed with the test.
func openTemp(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "cascade.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestDurable: the store syncs every commit (synchronous=FULL in WAL
// mode), so an acknowledged upload survives a power failure.
func TestDurable(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ok, how, err := s.Durability(context.Background())
	if err != nil || !ok || how != "synchronous=FULL" {
		t.Fatalf("durability: %v %q %v", ok, how, err)
	}
}

// TestAlertLeasesKeepWriterDurable: alert leases (a lazy write) leave the
// writer at synchronous=FULL for the uploads after them.
func TestAlertLeasesKeepWriterDurable(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		if _, err := s.ClaimDeliveries(ctx, "w", time.Now(), time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		ok, how, err := s.Durability(ctx)
		if err != nil || !ok || how != "synchronous=FULL" {
			t.Fatalf("after lazy write %d: %v %q %v", i, ok, how, err)
		}
	}
}
