package netart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// BenchmarkChromeHistory reads a History database of 100,000 URLs and
// 300,000 visits (about the size of a year of heavy browsing), copy
// included.
func BenchmarkChromeHistory(b *testing.B) {
	testutil.NeedTools(b, "sqlite3")
	root := b.TempDir()
	db := filepath.Join(root, filepath.FromSlash(chromeRel))
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		b.Fatal(err)
	}
	const urls, visits = 100_000, 300_000
	gen := fmt.Sprintf(`
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,last_visit_time INTEGER NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY,url INTEGER NOT NULL,visit_time INTEGER NOT NULL);
CREATE INDEX visits_url_index ON visits (url);
CREATE TABLE downloads (id INTEGER PRIMARY KEY,current_path LONGVARCHAR NOT NULL,target_path LONGVARCHAR NOT NULL,start_time INTEGER NOT NULL,total_bytes INTEGER NOT NULL,end_time INTEGER NOT NULL);
CREATE TABLE downloads_url_chains (id INTEGER NOT NULL,chain_index INTEGER NOT NULL,url LONGVARCHAR NOT NULL, PRIMARY KEY (id, chain_index));
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d)
INSERT INTO urls SELECT i, 'https://site' || (i %% 5000) || '.example.com/page/' || i || '?q=' || hex(randomblob(16)), 3, 13300000000000000 + i FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d)
INSERT INTO visits SELECT i, 1 + (i %% %d), 13300000000000000 + i FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1000)
INSERT INTO downloads SELECT i, 'C:\d\f' || i, 'C:\d\f' || i, 13300000000000000 + i, 1000, 13300000000000001 + i FROM c;
INSERT INTO downloads_url_chains SELECT id, 0, 'https://dl.example.com/' || id FROM downloads;`, urls, visits, urls)
	runSQLite(b, db, gen)
	env := testEnv(b, root, "windows")
	c := NewBrowser(BrowserOptions{})
	b.ResetTimer()
	for b.Loop() {
		sink := &memSink{}
		if err := c.CollectPath(context.Background(), env, chromeRel, sink); err != nil {
			b.Fatal(err)
		}
		if len(sink.artifacts) != urls+1000 {
			b.Fatalf("%d artifacts", len(sink.artifacts))
		}
	}
	if st, err := os.Stat(db); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "db-MiB")
	}
}
