package netart

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
	sqlite3 "modernc.org/sqlite/lib"
)

// runSQLite runs the sqlite3 CLI on db, in db's directory, with the given
// commands in order.
func runSQLite(t testing.TB, db string, cmds ...string) {
	t.Helper()
	cmd := exec.Command("sqlite3", append([]string{db}, cmds...)...)
	cmd.Dir = filepath.Dir(db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s: %v\n%s", db, err, out)
	}
}

// TestBrowserWAL: rows committed to the write-ahead log but not yet
// checkpointed into the database file must be seen, and neither the
// database nor its log may change.
func TestBrowserWAL(t *testing.T) {
	root := copyTree(t, filepath.Join(browserFixture(t), "linux"))
	db := filepath.Join(root, filepath.FromSlash(firefoxRel))
	mainBefore := sha256File(t, db)
	runSQLite(t, db, ".dbconfig no_ckpt_on_close on",
		"INSERT INTO moz_places VALUES (6,'https://wal-only.example.com/x',1,1700000000000000);"+
			"INSERT INTO moz_historyvisits VALUES (6,6,1700000000000000);")
	if sha256File(t, db) != mainBefore {
		t.Fatal("setup: the insert reached the database file; want it only in the WAL")
	}
	walBefore := sha256File(t, db+"-wal")

	sink, err := collectOne(t, NewBrowser(BrowserOptions{}), testEnv(t, root, "linux"), firefoxRel)
	if err != nil {
		t.Fatalf("CollectPath: %v", err)
	}
	var found bool
	for _, a := range sink.artifacts {
		if a.Domain == "wal-only.example.com" && ts(a.LastSeen) == "2023-11-14T22:13:20Z" {
			found = true
		}
	}
	if !found {
		t.Errorf("visit stored only in the WAL not seen; got %d artifacts", len(sink.artifacts))
	}
	if sha256File(t, db) != mainBefore || sha256File(t, db+"-wal") != walBefore {
		t.Error("the scanned database or its WAL changed")
	}
}

// TestBrowserHotJournal: a copy taken mid-transaction holds a hot rollback
// journal; the collector must undo it in its private copy and read the last
// committed state, not the half-written pages.
func TestBrowserHotJournal(t *testing.T) {
	root := copyTree(t, filepath.Join(browserFixture(t), "windows"))
	db := filepath.Join(root, filepath.FromSlash(chromeRel))
	work := filepath.Join(t.TempDir(), "History")
	if err := os.Rename(db, work); err != nil {
		t.Fatal(err)
	}
	runSQLite(t, work, "PRAGMA cache_size=1;",
		"BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<20000) "+
			"INSERT INTO urls(url,visit_count,last_visit_time) SELECT 'https://junk.example/'||i||hex(randomblob(50)),1,1 FROM c;",
		`.shell cp History History-journal "`+filepath.Dir(db)+`"`,
		"ROLLBACK;")
	env := testEnv(t, root, "windows")

	c, err := copyDB(context.Background(), env.FS, chromeRel, t.TempDir(), DefaultMaxDBBytes)
	if err != nil || !c.HasJournal {
		t.Fatalf("setup: copy %v, journal %v", err, c != nil && c.HasJournal)
	}
	_, err = readOnce(context.Background(), c.Path, false, 10, familyQueries(familyChromium))
	if !isCode(err, sqlite3.SQLITE_READONLY) {
		t.Fatalf("setup: read-only open of a hot journal gave %v, want SQLITE_READONLY", err)
	}

	sink, err := collectOne(t, NewBrowser(BrowserOptions{}), env, chromeRel)
	if err != nil {
		t.Fatalf("CollectPath: %v", err)
	}
	visits := 0
	for _, a := range sink.artifacts {
		if strings.Contains(a.URL, "junk.example") {
			t.Fatalf("uncommitted row read: %s", a.URL)
		}
		if a.Kind == visit {
			visits++
		}
	}
	if visits != 5 || len(sink.errs) != 0 {
		t.Errorf("visits = %d (want 5), errors %v", visits, sink.errs)
	}
}

func TestBrowserCorrupt(t *testing.T) {
	fixture := browserFixture(t)
	good, err := os.ReadFile(filepath.Join(fixture, "windows", filepath.FromSlash(chromeRel)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 32<<10)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	flipped := append([]byte(nil), good...)
	for i := 4096; i < len(flipped); i += 7 {
		flipped[i] ^= 0x5a
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"random bytes", noise},
		{"magic then random", append([]byte("SQLite format 3\x00"), noise...)},
		{"header page only", good[:4096]},
		{"truncated at a page", good[:8192]},
		{"truncated mid-page", good[:10000]},
		{"pages scrambled", flipped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			p := filepath.Join(root, filepath.FromSlash(chromeRel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			sink, err := collectOne(t, NewBrowser(BrowserOptions{}), testEnv(t, root, "windows"), chromeRel)
			t.Logf("returned %v; recorded %v", err, sink.errs)
			if err == nil && len(sink.errs) == 0 {
				t.Errorf("no error reported; %d artifacts", len(sink.artifacts))
			}
			if err != nil && !strings.Contains(err.Error(), chromeRel) {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

// TestBrowserHostileSchema: a database whose visits "table" is an endless
// view must be cut off by the per-database timeout, not hang the scan.
func TestBrowserHostileSchema(t *testing.T) {
	testutil.NeedTools(t, "sqlite3")
	root := t.TempDir()
	db := filepath.Join(root, filepath.FromSlash(chromeRel))
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	runSQLite(t, db,
		"CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR, visit_count INTEGER, last_visit_time INTEGER);"+
			"INSERT INTO urls VALUES (1,'https://a.example/',1,0);"+
			"CREATE VIEW visits AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT i AS url, i AS visit_time FROM c;"+
			"CREATE VIEW downloads AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) "+
			"SELECT i AS id, '' AS target_path, '' AS current_path, 0 AS start_time, 0 AS end_time, 0 AS total_bytes FROM c ORDER BY i DESC;"+
			"CREATE TABLE downloads_url_chains(id INTEGER, chain_index INTEGER, url LONGVARCHAR);")
	start := time.Now()
	_, err := collectOne(t, NewBrowser(BrowserOptions{Timeout: 300 * time.Millisecond}), testEnv(t, root, "windows"), chromeRel)
	if err == nil {
		t.Fatal("an endless query returned no error")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v despite a 300ms timeout", took)
	}
	t.Logf("after %v: %v", time.Since(start), err)
}
