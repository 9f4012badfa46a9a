// Package pgtest gives tests a fresh PostgreSQL database on the server
// named by CASCADE_TEST_POSTGRES (scripts/test.sh starts one).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// Database returns the URL of a new, empty database on the server named
// by CASCADE_TEST_POSTGRES, dropped when the test ends. Without the
// variable the test is skipped, unless CASCADE_REQUIRE_TOOLS=1.
func Database(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CASCADE_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CASCADE_REQUIRE_TOOLS") == "1" {
			t.Fatal("CASCADE_TEST_POSTGRES is not set (CASCADE_REQUIRE_TOOLS=1)")
		}
		t.Skip("CASCADE_TEST_POSTGRES is not set; scripts/test.sh starts a PostgreSQL and sets it")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "cascade_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
