package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestClientIncident shows an incident the built-in packs tie to another
// (3CX came from X_TRADER, per Mandiant's public report), as text and
// JSON; an unknown incident is an error.
func TestClientIncident(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := s.Bootstrap(ctx)
	for _, name := range []string{"3cx-2023", "xtrader-2022"} {
		data, err := os.ReadFile(filepath.Join("..", "intel", "packs", "data", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportIntel(ctx, name+".json", "upload", data, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte(admin), 0o600)
	conn := []string{"--server", ts.URL, "--token-file", tok}
	code, out, se := run(t, slices.Concat([]string{"client", "incident"}, conn, []string{"3cx-2023"})...)
	want := "  related: initial access came from: xtrader-2022 (Trading Technologies X_TRADER supply-chain compromise); source: https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise\n"
	if code != 0 || !strings.HasPrefix(out, "Incident 3cx-2023\n  name: 3CX DesktopApp supply-chain compromise\n") || !strings.Contains(out, want) ||
		!strings.Contains(out, "  hosts: 0 now, 0 ever; 0 findings\n") {
		t.Fatalf("incident: %d %q %q", code, out, se)
	}
	code, out, se = run(t, slices.Concat([]string{"client", "incident", "--format", "json"}, conn, []string{"xtrader-2022"})...)
	var d fleet.IncidentDetail
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || len(d.Related) != 1 || d.Related[0].ID != "3cx-2023" || d.Related[0].Relation != "led to" {
		t.Fatalf("incident json: %d %s %s", code, out, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "incident"}, conn, []string{"no-such"})...); code == 0 || !strings.Contains(se, "not") {
		t.Fatalf("unknown incident: %d %q", code, se)
	}
}
