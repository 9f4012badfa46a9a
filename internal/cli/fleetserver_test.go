package cli

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
	"github.com/cascade-ir/cascade/internal/store/sqlstore"
)

// testFleetServer starts a fleet server on a SQLite store in dir, serving
// on loopback, and writes its bootstrap admin token to dir/token for
// `cascade client --token-file`. It returns the store (for the test to
// seed), the server's URL and the token file; all close when the test
// ends.
func testFleetServer(t *testing.T, dir string) (st *sqlstore.Store, url, tokenFile string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	tokenFile = filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(admin), 0o600); err != nil {
		t.Fatal(err)
	}
	return st, ts.URL, tokenFile
}
