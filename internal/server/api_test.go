package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// testServer is a server on loopback with an admin token.
type testServer struct {
	s     *Server
	ts    *httptest.Server
	admin string
}

func newHTTP(t *testing.T, st store.Store, mod func(*Config)) *testServer {
	t.Helper()
	if st == nil {
		var err error
		st, err = sqlite.Open(bg, filepath.Join(t.TempDir(), "cascade.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	cfg := Config{Store: st, HuntBatch: 100, FeedKey: testFeedKey}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Bootstrap(bg)
	if err != nil || admin == "" {
		t.Fatalf("bootstrap: %q %v", admin, err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &testServer{s: s, ts: ts, admin: admin}
}

func (x *testServer) client(token string) *fleetclient.Client {
	c := fleetclient.New(x.ts.URL, token, nil)
	return c
}

func (x *testServer) token(t *testing.T, role string, mod func(*fleet.TokenRequest)) string {
	t.Helper()
	req := fleet.TokenRequest{Name: role + "-test", Role: role}
	if mod != nil {
		mod(&req)
	}
	tc, err := x.client(x.admin).CreateToken(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	return tc.Secret
}

// enroll makes an agent for a new host and returns its client.
func (x *testServer) enroll(t *testing.T, uid string) (*fleetclient.Client, int64) {
	t.Helper()
	et := x.token(t, fleet.TokenEnroll, nil)
	res, err := x.client(et).Enroll(bg, snapshot.Host{ID: uid, Name: "pc-" + uid, OS: "windows"})
	if err != nil {
		t.Fatal(err)
	}
	return x.client(res.Token), res.HostID
}

func rawRequest(t *testing.T, method, u, token string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPIRoles(t *testing.T) {
	x := newHTTP(t, nil, nil)
	analyst := x.token(t, fleet.TokenAnalyst, nil)
	enroll := x.token(t, fleet.TokenEnroll, nil)
	agent, _ := x.enroll(t, "m1")
	expired := x.token(t, fleet.TokenAnalyst, func(r *fleet.TokenRequest) { r.TTL = fleet.Duration(time.Nanosecond) })
	time.Sleep(time.Millisecond)
	v := x.ts.URL + fleet.APIVersion
	tests := []struct {
		name, method, url, token string
		want                     int
	}{
		{"health needs no token", "GET", x.ts.URL + "/healthz", "", 200},
		{"openapi needs no token", "GET", v + "/openapi.json", "", 200},
		{"no token", "GET", v + "/hosts", "", 401},
		{"garbage token", "GET", v + "/hosts", "cascade_nope", 401},
		{"expired token", "GET", v + "/hosts", expired, 401},
		{"analyst reads", "GET", v + "/hosts", analyst, 200},
		{"analyst may not import intel", "POST", v + "/intel?name=x.json", analyst, 403},
		{"analyst may not create tokens", "POST", v + "/tokens", analyst, 403},
		{"analyst may not read the audit log", "GET", v + "/audit", analyst, 403},
		{"agent may not read hosts", "GET", v + "/hosts", agent.Token, 403},
		{"agent may not read findings", "GET", v + "/findings", agent.Token, 403},
		{"enroll token may not upload", "POST", v + "/snapshots", enroll, 403},
		{"admin reads the audit log", "GET", v + "/audit", x.admin, 200},
		{"unknown endpoint", "GET", v + "/nope", x.admin, 404},
		{"bad id", "GET", v + "/hosts/abc", x.admin, 400},
		{"missing host", "GET", v + "/hosts/999", x.admin, 404},
		{"missing host's observations", "GET", v + "/hosts/999/observations?kind=file", x.admin, 404},
		{"bad id's observations", "GET", v + "/hosts/abc/observations", x.admin, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, body := rawRequest(t, tc.method, tc.url, tc.token, nil, nil)
			if got != tc.want {
				t.Fatalf("status %d, want %d: %s", got, tc.want, body)
			}
			if got >= 400 && !strings.Contains(body, `"error"`) {
				t.Errorf("error body is not JSON: %s", body)
			}
		})
	}
	// The admin token's secret never comes back from the API.
	_, body := rawRequest(t, "GET", v+"/tokens", x.admin, nil, nil)
	if strings.Contains(body, x.admin) || strings.Contains(body, analyst) {
		t.Fatal("token listing leaks a secret")
	}
}

func TestFindingsAPI(t *testing.T) {
	x := newHTTP(t, nil, nil)
	agent, hostID := x.enroll(t, "m1")
	if _, err := agent.Upload(bg, fullUpload(hostSnap("m1", day(0), []snapshot.Software{xtrader}, []snapshot.Artifact{download}))); err != nil {
		t.Fatal(err)
	}
	adm := x.client(x.admin)
	res, err := adm.ImportIntel(bg, "xtrader.json", readTestdata(t, "xtrader.json"))
	if err != nil || res.HuntID == 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := adm.ImportIntel(bg, "bad.json", []byte(`{"schema":"cascade.intel/v1"`)); fleetclient.Status(err) != 400 {
		t.Fatalf("bad intel: %v", err)
	}
	runHunts(t, x.s)
	analyst := x.client(x.token(t, fleet.TokenAnalyst, nil))
	list, err := analyst.Findings(bg, url.Values{"host": {itoa(hostID)}})
	if err != nil || list.Total != 2 {
		t.Fatalf("findings: %+v %v", list, err)
	}
	id := list.Findings[0].ID
	if _, err := analyst.SetState(bg, id, fleet.StateRequest{State: fleet.StateFalsePositive}); fleetclient.Status(err) != 400 {
		t.Fatalf("false positive without a reason: %v", err)
	}
	f, err := analyst.SetState(bg, id, fleet.StateRequest{State: fleet.StateFalsePositive, Reason: "test lab"})
	if err != nil || f.State != fleet.StateFalsePositive {
		t.Fatalf("triage: %+v %v", f, err)
	}
	d, err := analyst.Finding(bg, id)
	if err != nil || len(d.Evidence) != 1 || len(d.Events) != 1 {
		t.Fatalf("detail: %+v %v", d, err)
	}
	var csv, jsonl bytes.Buffer
	if err := analyst.Get(bg, fleet.APIVersion+"/findings", url.Values{"format": {"csv"}}, &csv); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(csv.String(), "\n"); lines != 3 || !strings.HasPrefix(csv.String(), "finding_id,") {
		t.Errorf("csv:\n%s", csv.String())
	}
	if err := analyst.Get(bg, fleet.APIVersion+"/findings", url.Values{"format": {"jsonl"}, "state": {"new"}}, &jsonl); err != nil {
		t.Fatal(err)
	}
	if strings.Count(jsonl.String(), "\n") != 1 || !strings.Contains(jsonl.String(), fleet.FindingsSchema) {
		t.Errorf("jsonl:\n%s", jsonl.String())
	}
	incs, err := analyst.Incidents(bg)
	if err != nil || len(incs) != 1 || incs[0].Name != "Trojanized X_TRADER installer" || incs[0].HostsEver != 1 {
		t.Fatalf("incidents: %+v %v", incs, err)
	}
	var detail fleet.IncidentDetail
	if err := analyst.Get(bg, fleet.APIVersion+"/incidents/xtrader-2022", nil, &detail); err != nil || len(detail.Hosts) != 1 || len(detail.Hosts[0].Findings) != 1 {
		t.Fatalf("incident detail: %+v %v", detail, err)
	}
	var tl struct{ Timeline []fleet.TimelineEntry }
	if err := analyst.Get(bg, fleet.APIVersion+"/hosts/"+itoa(hostID)+"/timeline", nil, &tl); err != nil || len(tl.Timeline) < 4 {
		t.Fatalf("timeline: %+v %v", tl, err)
	}
}

func TestImportSBOMs(t *testing.T) {
	x := newHTTP(t, nil, nil)
	adm := x.client(x.admin)
	for _, name := range []string{"cyclonedx.json", "spdx.json", "inventory.json"} {
		data, err := os.ReadFile(filepath.Join("..", "sbom", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := adm.ImportSnapshot(bg, data, url.Values{"name": {name}, "roles": {"release"}})
		if err != nil || len(res) != 1 || res[0].Result.Opened == 0 {
			t.Fatalf("%s: %+v %v", name, res, err)
		}
		if len(res[0].Host.Roles) != 1 {
			t.Errorf("%s: roles %v", name, res[0].Host.Roles)
		}
		// The same document again is not newer: refused, nothing stored.
		if _, err := adm.ImportSnapshot(bg, data, url.Values{"name": {name}}); fleetclient.Status(err) != 409 {
			t.Errorf("%s again: %v", name, err)
		}
	}
	if _, err := adm.ImportSnapshot(bg, []byte("hello"), nil); fleetclient.Status(err) != 400 {
		t.Fatalf("unknown format: %v", err)
	}
}

// TestOpenAPIMatchesRoutes keeps the published description honest.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Roles []string `json:"x-roles"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{}}
	rest := regexp.MustCompile(`\{(\w+)\.\.\.\}`)
	var inCode, inDoc []string
	for _, rt := range s.routes() {
		p := rest.ReplaceAllString(rt.path, "{$1}")
		inCode = append(inCode, rt.method+" "+p)
		op, ok := doc.Paths[p][strings.ToLower(rt.method)]
		if ok && !sameSet(op.Roles, rt.roles) {
			t.Errorf("%s %s: documented roles %v, code %v", rt.method, p, op.Roles, rt.roles)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc = append(inDoc, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(inCode)
	sort.Strings(inDoc)
	if strings.Join(inCode, "\n") != strings.Join(inDoc, "\n") {
		t.Errorf("routes and openapi.json differ:\ncode:\n%s\n\ndoc:\n%s", strings.Join(inCode, "\n"), strings.Join(inDoc, "\n"))
	}
}

func sameSet(a, b []string) bool {
	a, b = append([]string{}, a...), append([]string{}, b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func itoa(n int64) string { return strings.TrimSpace(strings.Replace(jsonNum(n), "\n", "", -1)) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

var _ = context.Background
