package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestFirstAdminTokenAndReset: the first start cannot leave an admin
// token whose secret was not written (the file cannot be created: the
// server refuses to start and stores nothing; once it can, it makes
// one), and --reset-admin-token replaces it locally, revoking the old
// one, with an audit record.
func TestFirstAdminTokenAndReset(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("checks Unix file modes")
	}
	data := t.TempDir()
	// admin-token is a non-empty directory: the atomic rename onto it
	// fails, even for root.
	blocker := filepath.Join(data, "admin-token")
	if err := os.Mkdir(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(blocker, "x"), []byte("x"), 0o600)
	code, _, errs := run(t, "serve", "--data", data, "--insecure-http", "--listen", "256.0.0.1:1")
	if code != 2 || !strings.Contains(errs, "admin token") {
		t.Fatalf("first start with an unwritable admin-token: exit %d: %s", code, errs)
	}
	if n := tokens(t, data); n != 0 {
		t.Fatalf("%d tokens stored although the secret was not written", n)
	}
	os.RemoveAll(blocker)
	code, _, errs = run(t, "serve", "--data", data, "--insecure-http", "--listen", "256.0.0.1:1")
	if code != 2 || !strings.Contains(errs, "listen") {
		t.Fatalf("second start: exit %d: %s", code, errs)
	}
	first, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil || !strings.HasPrefix(string(first), "cascade_") {
		t.Fatalf("admin-token after the second start: %q %v", first, err)
	}
	if fi, _ := os.Stat(filepath.Join(data, "admin-token")); fi.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode %v", fi.Mode().Perm())
	}
	code, _, errs = run(t, "serve", "--data", data, "--reset-admin-token")
	if code != 0 || !strings.Contains(errs, "admin token reset") {
		t.Fatalf("reset: exit %d: %s", code, errs)
	}
	second, _ := os.ReadFile(filepath.Join(data, "admin-token"))
	if string(second) == string(first) || !strings.HasPrefix(string(second), "cascade_") {
		t.Fatalf("reset did not write a new secret: %q", second)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "cascade.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, _ := st.ListTokens(context.Background())
	if len(ts) != 2 || !ts[0].Revoked || ts[1].Revoked {
		t.Fatalf("tokens after the reset: %+v", ts)
	}
	log, _ := st.AuditLog(context.Background(), 10, 0)
	if len(log) == 0 || log[0].Action != "admin.token_reset" || !strings.HasPrefix(log[0].Remote, "local") {
		t.Fatalf("reset not audited: %+v", log)
	}
}

func tokens(t *testing.T, data string) int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "cascade.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ts)
}
