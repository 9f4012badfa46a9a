package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/server"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// TestClientTAXII scripts the TAXII admin commands: a collection, a
// customer token granted to read it, the 3CX trace's derived intel
// published into it, read back over TAXII with the customer's token; a
// sightings collection the customer writes and analysts read.
func TestClientTAXII(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := tg.ThreeCX(ctx, st); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte(admin+"\n"), 0o600)
	conn := []string{"--server", ts.URL, "--token-file", tokenFile}
	client := func(want int, args ...string) string {
		t.Helper()
		n := 2
		if args[0] == "taxii" && args[1] == "collection" {
			n = 3
		}
		code, out, errs := run(t, slices.Concat([]string{"client"}, args[:n], conn, args[n:])...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errs)
		}
		return strings.TrimSpace(out)
	}
	id := client(0, "taxii", "collection", "add", "--title", "3CX derived intel", "--alias", "derived")
	client(0, "taxii", "collection", "add", "--title", "Sightings", "--alias", "sightings")
	if list := client(0, "taxii", "collection", "list"); !strings.Contains(list, id) || !strings.Contains(list, "sightings") {
		t.Fatalf("list: %s", list)
	}
	customer := client(0, "token", "create", "--role", "taxii", "--name", "acme")
	toks, _ := st.ListTokens(ctx)
	custID := ""
	for _, tk := range toks {
		if tk.Name == "acme" {
			custID = itoa64(tk.ID)
		}
	}
	client(0, "taxii", "collection", "grant", "derived", custID, "--read")
	client(0, "taxii", "collection", "grant", "sightings", custID, "--write")
	if g := client(0, "taxii", "collection", "grants", "derived"); !strings.Contains(g, custID+"  ") {
		t.Fatalf("grants: %s", g)
	}
	code, out, errs := run(t, slices.Concat([]string{"trace"}, conn, []string{"--at", "2023-04-20", "--from", "release:x_trader@7.17.90p608@2022-02-01", "--publish", "derived"})...)
	if code != 0 || !strings.Contains(out, "stored, 0 refused") {
		t.Fatalf("trace --publish: %d %s %s", code, out, errs)
	}
	// the customer reads the derived intel over TAXII
	req, _ := http.NewRequest("GET", ts.URL+"/taxii2/api/collections/"+id+"/objects/?match[type]=indicator", nil)
	req.SetBasicAuth("acme", customer)
	req.Header.Set("Accept", taxii.MediaTAXII)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env taxii.Envelope
	decodeBody(t, resp, &env)
	if len(env.Objects) == 0 || !slices.ContainsFunc(env.Objects, func(o json.RawMessage) bool { return strings.Contains(string(o), "3cxdesktopapp") }) {
		t.Fatalf("derived intel over TAXII: %d objects", len(env.Objects))
	}
	// a sighting the customer posts shows in `client taxii objects`
	sighting := `{"objects":[{"type":"sighting","spec_version":"2.1","id":"sighting--6b2f1c0e-8a4d-4f31-9e07-3c52d19a4418","created":"2023-04-21T00:00:00Z","modified":"2023-04-21T00:00:00Z","sighting_of_ref":"indicator--6b2f1c0e-8a4d-4f31-9e07-3c52d19a4419","count":3}]}`
	req, _ = http.NewRequest("POST", ts.URL+"/taxii2/api/collections/sightings/objects/", strings.NewReader(sighting))
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Content-Type", taxii.MediaTAXII)
	req.Header.Set("Accept", taxii.MediaTAXII)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST sighting: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	if got := client(0, "taxii", "objects", "sightings", "--type", "sighting"); !strings.Contains(got, `"count":3`) {
		t.Fatalf("objects: %s", got)
	}
	bundle := filepath.Join(dir, "bundle.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--6b2f1c0e-8a4d-4f31-9e07-3c52d19a4418","objects":[{"type":"indicator","id":"indicator--x"}]}`), 0o600)
	client(ExitError, "taxii", "publish", "derived", "--file", bundle)
	client(0, "taxii", "collection", "delete", "sightings")
	client(ExitError, "taxii", "objects", "sightings")
	client(ExitError, "taxii", "frob", "x")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
