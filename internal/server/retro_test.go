package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

func saveTraceAPI(t *testing.T, x *testServer, token string, req fleet.SaveTraceRequest) (int, fleet.SavedTraceDetail, string) {
	t.Helper()
	body, _ := json.Marshal(req)
	code, resp := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/traces", token, body, map[string]string{"Content-Type": "application/json"})
	var d fleet.SavedTraceDetail
	if code == 201 {
		if err := json.Unmarshal([]byte(resp), &d); err != nil {
			t.Fatal(err)
		}
	}
	return code, d, resp
}

func getSavedTraceAPI(t *testing.T, x *testServer, token string, id int64) fleet.SavedTraceDetail {
	t.Helper()
	code, resp := rawRequest(t, "GET", fmt.Sprintf("%s%s/traces/%d?versions=10", x.ts.URL, fleet.APIVersion, id), token, nil, nil)
	if code != 200 {
		t.Fatalf("get trace %d: %d %s", id, code, resp)
	}
	var d fleet.SavedTraceDetail
	if err := json.Unmarshal([]byte(resp), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// xtrader3CX is the X_TRADER test intel naming the fixture's version.
func xtrader3CX(t *testing.T) []byte {
	return []byte(strings.Replace(string(readTestdata(t, "xtrader.json")), `"versions": ["7.17.90"]`, `"versions": ["7.17.90p608"]`, 1))
}

func suspects(s fleet.TraceSummary) []string {
	var out []string
	for _, n := range s.Nodes {
		if n.Suspect {
			out = append(out, n.ID)
		}
	}
	return out
}

func nodeIDs(ns []fleet.TraceNode) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

// devPC08 is a second developer PC, first uploaded after the traces were
// saved: X_TRADER installed in March 2022 and an RDP connection to
// build-win-02 in June 2022, months before dev-pc-07's.
func devPC08() *snapshot.Snapshot {
	at := tg.T("2023-04-02T10:00:00Z")
	sw := tg.SW("X_TRADER", "7.17.90p608", tg.T("2022-03-01"))
	sw.Vendor = "Trading Technologies"
	return &snapshot.Snapshot{Schema: snapshot.Schema, ID: "dev-pc-08-upload-0",
		Host:      snapshot.Host{ID: "dev-pc-08", Name: "dev-pc-08", OS: "windows", CollectedAt: at, Collector: "test"},
		Software:  []snapshot.Software{sw},
		Artifacts: []snapshot.Artifact{tg.Reach(snapshot.ArtifactRDPServer, "build-win-02", "dev2", tg.T("2022-06-01T09:00:00Z"))}}
}

// TestRetroTraceThreeCX is the retro-trace case end to end: two
// traces are saved (from the X_TRADER release, and from every host of the
// X_TRADER incident); a second dev PC's upload raises a finding; both
// traces are recomputed off the ingest path and what changed is stored,
// audited, and shown.
func TestRetroTraceThreeCX(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x := threeCXOver(t, open())
		s := x.s
		if _, err := s.ImportIntel(bg, "xtrader.json", "upload", xtrader3CX(t), "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{})
		if len(fs) != 1 || fs[0].HostUID != "dev-pc-07" || fs[0].Level != "alert" {
			t.Fatalf("findings before: %+v", fs)
		}
		if err := s.retro.drain(bg); err != nil { // nothing saved yet
			t.Fatal(err)
		}
		analyst := x.token(t, fleet.TokenAnalyst, nil)
		code, rel, body := saveTraceAPI(t, x, analyst, fleet.SaveTraceRequest{Name: "from X_TRADER",
			TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}}}})
		if code != 201 {
			t.Fatalf("save: %d %s", code, body)
		}
		code, inc, body := saveTraceAPI(t, x, analyst, fleet.SaveTraceRequest{Name: "incident",
			TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022"}}}})
		if code != 201 {
			t.Fatalf("save incident: %d %s", code, body)
		}
		want := []string{"release:3cxdesktopapp@18.12.407", "release:3cxdesktopapp@18.12.416"}
		for _, d := range []fleet.SavedTraceDetail{rel, inc} {
			if d.Version != 1 || len(d.Versions) != 1 || !slices.Equal(suspects(d.Versions[0].Result), want) {
				t.Fatalf("%s v1: version %d, suspects %v", d.Name, d.Version, suspects(d.Versions[0].Result))
			}
		}
		// The incident seed stands for dev-pc-07 from its finding's
		// exposure (X_TRADER's install date).
		for _, n := range inc.Versions[0].Result.Nodes {
			if n.ID == "host:dev-pc-07" && (!n.Seed || !n.Time.Equal(tg.T("2022-04-01"))) {
				t.Errorf("incident seed dev-pc-07: %+v", n)
			}
		}
		for _, bad := range []struct {
			req  fleet.SaveTraceRequest
			code int
			msg  string
		}{
			{fleet.SaveTraceRequest{Name: "from X_TRADER", TraceRequest: rel.Request}, 409, "already exists"},
			{fleet.SaveTraceRequest{Name: " ", TraceRequest: rel.Request}, 400, "name"},
			{fleet.SaveTraceRequest{Name: "nope", TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:nope"}}}}, 400, "no host has an alert-level finding"},
			{fleet.SaveTraceRequest{Name: "timed", TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022", Time: "2022-01-01"}}}}, 400, "give no time"},
			{fleet.SaveTraceRequest{Name: "future", TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "host:dev-pc-07", Time: "2999-01-01"}}}}, 400, "future"},
			{fleet.SaveTraceRequest{Name: "unknown", TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "host:nowhere", Time: "2022-01-01"}}}}, 400, "no node"},
		} {
			if code, _, body := saveTraceAPI(t, x, analyst, bad.req); code != bad.code || !strings.Contains(body, bad.msg) {
				t.Errorf("save %q: %d %s, want %d %q", bad.req.Name, code, body, bad.code, bad.msg)
			}
		}

		// A second dev PC is uploaded; its X_TRADER is an alert at ingest.
		if _, res, err := s.ImportSnapshot(bg, devPC08(), nil, "dev-pc-08-upload-0"); err != nil || res.Findings == 0 {
			t.Fatalf("import dev-pc-08: %+v %v", res, err)
		}
		if err := s.retro.drain(bg); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{rel.ID, inc.ID} {
			d := getSavedTraceAPI(t, x, analyst, id)
			if d.Version != 2 || len(d.Versions) != 2 || d.Versions[0].Changes == nil {
				t.Fatalf("%s after dev-pc-08: version %d, %d versions", d.Name, d.Version, len(d.Versions))
			}
			v := d.Versions[0]
			c := v.Changes
			if !strings.Contains(v.Reason, "dev-pc-08") {
				t.Errorf("%s reason %q", d.Name, v.Reason)
			}
			if !slices.Contains(nodeIDs(c.Added), "host:dev-pc-08") || len(c.Removed) != 0 {
				t.Errorf("%s added %v removed %v", d.Name, nodeIDs(c.Added), nodeIDs(c.Removed))
			}
			var earlier []string
			for _, e := range c.Earlier {
				earlier = append(earlier, e.Node)
				if !e.Now.Before(e.Was) {
					t.Errorf("%s: %s earlier from %v to %v", d.Name, e.Node, e.Was, e.Now)
				}
			}
			if !slices.Contains(earlier, "host:build-win-02") {
				t.Errorf("%s earlier %v, want build-win-02", d.Name, earlier)
			}
			// 18.12.402 was built in November 2022: after June, so now
			// suspect; its customer umbrella-ws-01 is newly reached.
			if !slices.Equal(c.NewSuspects, []string{"release:3cxdesktopapp@18.12.402"}) || !slices.Contains(c.NewCustomers, "host:umbrella-ws-01") {
				t.Errorf("%s new suspects %v, new customers %v", d.Name, c.NewSuspects, c.NewCustomers)
			}
		}
		// Nothing new: the next drain recomputes nothing; asking does
		// recompute, and says nothing changed.
		if err := s.retro.drain(bg); err != nil {
			t.Fatal(err)
		}
		code, body = rawRequest(t, "POST", fmt.Sprintf("%s%s/traces/%d/recompute", x.ts.URL, fleet.APIVersion, rel.ID), analyst, nil, nil)
		if code != 200 || !strings.Contains(body, `"changed":false`) {
			t.Fatalf("recompute: %d %s", code, body)
		}
		log, _ := s.st.AuditLog(bg, 100, 0)
		var retro, saves int
		for _, e := range log {
			if e.Action == "trace.recompute" && e.Actor == retroActor && strings.Contains(e.Detail, "new suspects release:3cxdesktopapp@18.12.402") {
				retro++
			}
			if e.Action == "trace.save" {
				saves++
			}
		}
		if retro != 2 || saves != 2 {
			t.Errorf("audit: %d retro recomputations with changes, %d saves; want 2 and 2", retro, saves)
		}

		// The page shows the changes.
		c := uiSignIn(t, x)
		code, page := getStatus(t, c, fmt.Sprintf("%s/traces/%d", x.ts.URL, rel.ID))
		if code != 200 {
			t.Fatalf("trace page: %d %s", code, page)
		}
		for _, w := range []string{"Changes", "host:dev-pc-08", "release:3cxdesktopapp@18.12.402", "host:umbrella-ws-01", "version 2"} {
			if !strings.Contains(page, w) {
				t.Errorf("trace page lacks %q", w)
			}
		}
		if _, list := getStatus(t, c, x.ts.URL+"/traces"); !strings.Contains(list, "from X_TRADER") {
			t.Errorf("trace list lacks the saved trace")
		}

		code, _ = rawRequest(t, "DELETE", fmt.Sprintf("%s%s/traces/%d", x.ts.URL, fleet.APIVersion, inc.ID), analyst, nil, nil)
		if code != 204 {
			t.Fatalf("delete: %d", code)
		}
		if code, _ := rawRequest(t, "GET", fmt.Sprintf("%s%s/traces/%d", x.ts.URL, fleet.APIVersion, inc.ID), analyst, nil, nil); code != 404 {
			t.Fatalf("deleted trace: %d", code)
		}
	})
}

// TestSaveTraceFromPage saves the trace the trace page drew, through the
// page's own form, and finds it listed.
func TestSaveTraceFromPage(t *testing.T) {
	x := threeCXServer(t)
	c := uiSignIn(t, x)
	code, page := getStatus(t, c, x.ts.URL+"/trace?from="+url.QueryEscape("release:x_trader@7.17.90p608@2022-02-01")+"&at=2023-04-20")
	if code != 200 || !strings.Contains(page, `id="trace-save-form"`) {
		t.Fatalf("trace page: %d, save form: %v", code, strings.Contains(page, "trace-save-form"))
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no csrf token on the page")
	}
	resp, err := c.PostForm(x.ts.URL+"/traces", url.Values{"csrf": {m[1]}, "name": {"xt <b>"}, "from": {"release:x_trader@7.17.90p608@2022-02-01"}, "at": {"2023-04-20"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/traces/") {
		t.Fatalf("save form: %d %q", resp.StatusCode, loc)
	}
	code, page = getStatus(t, c, x.ts.URL+loc)
	if code != 200 || !strings.Contains(page, "release:3cxdesktopapp@18.12.416") || strings.Contains(page, "xt <b>") || !strings.Contains(page, "xt &lt;b&gt;") {
		t.Fatalf("saved trace page: %d\n%s", code, page)
	}
	// Without the CSRF token the form is refused.
	resp, err = c.PostForm(x.ts.URL+"/traces", url.Values{"name": {"other"}, "from": {"release:x_trader@7.17.90p608@2022-02-01"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("save without csrf: %d", resp.StatusCode)
	}
}

// TestRetroLoopDebounced runs the server's background work: a finding on
// a watched host recomputes the saved trace after the delay, without
// anyone asking, and a trace being recomputed is not recomputed twice at
// once.
func TestRetroLoopDebounced(t *testing.T) {
	x := newHTTP(t, nil, func(c *Config) { c.RetroDelay = 20 * time.Millisecond; c.PollEvery = 10 * time.Millisecond })
	s := x.s
	if _, err := tg.ThreeCX(bg, s.st); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportIntel(bg, "xtrader.json", "upload", xtrader3CX(t), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, s)
	d, err := s.SaveTrace(bg, fleet.SaveTraceRequest{Name: "x", TraceRequest: fleet.TraceRequest{
		Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Busy: a second recomputation of the same trace is refused.
	s.retro.mu.Lock()
	s.retro.busy[d.ID] = true
	s.retro.mu.Unlock()
	if _, _, err := s.retro.recompute(bg, d.SavedTrace, &d.Versions[0], "test", "test"); !errors.Is(err, errTraceBusy) {
		t.Fatalf("recompute while busy: %v", err)
	}
	code, _ := rawRequest(t, "POST", fmt.Sprintf("%s%s/traces/%d/recompute", x.ts.URL, fleet.APIVersion, d.ID), x.admin, nil, nil)
	if code != http.StatusConflict {
		t.Fatalf("API recompute while busy: %d", code)
	}
	s.retro.mu.Lock()
	delete(s.retro.busy, d.ID)
	s.retro.mu.Unlock()

	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if _, _, err := s.ImportSnapshot(bg, devPC08(), nil, "dev-pc-08-upload-0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		t2, err := s.st.SavedTrace(bg, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if t2.Version == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("saved trace not recomputed in the background (version %d)", t2.Version)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTouches(t *testing.T) {
	last := &fleet.TraceVersion{Version: 3, Result: fleet.TraceSummary{
		Nodes: []fleet.TraceNode{{ID: "host:a", Kind: "host"}, {ID: "release:x@1", Kind: "release"}},
		Watch: []int64{1, 2}, Incidents: []string{"inc-1"}}}
	for _, tc := range []struct {
		name string
		last *fleet.TraceVersion
		evs  []retroEvent
		all  bool
		want string
	}{
		{"watched host", last, []retroEvent{{hostID: 2, finding: "f1", origin: "hunt 1"}}, false, "finding f1 (hunt 1) on a host the trace reached"},
		{"other host", last, []retroEvent{{hostID: 9, finding: "f1"}}, false, ""},
		{"incident by name", last, []retroEvent{{hostID: 9, finding: "f2", incidents: []string{"other", "inc-1"}}}, false, "of incident other, a seed"},
		{"reached release", last, []retroEvent{{hostID: 9, finding: "f3", release: "release:x@1"}}, false, "running release:x@1"},
		{"release not reached", last, []retroEvent{{hostID: 9, release: "release:x@2"}}, false, ""},
		{"never computed", nil, []retroEvent{{hostID: 9}}, false, "the last computation failed"},
		{"failed", &fleet.TraceVersion{Error: "bad seed"}, []retroEvent{{hostID: 9}}, false, "the last computation failed"},
		{"overflow", last, nil, true, "many new findings"},
		{"capped", last, []retroEvent{{hostID: 1}, {hostID: 1}, {hostID: 1}, {hostID: 1}, {hostID: 2}}, false, "and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := touches(tc.last, tc.evs, tc.all)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("touches = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDiffSummaries(t *testing.T) {
	d := func(n int) time.Time { return tg.T("2023-01-01").Add(time.Duration(n) * 24 * time.Hour) }
	last := &fleet.TraceVersion{Version: 4, Result: fleet.TraceSummary{Nodes: []fleet.TraceNode{
		{ID: "host:a", Kind: "host", Time: d(0), Seed: true},
		{ID: "host:b", Kind: "host", Time: d(5), Via: "host:a"},
		{ID: "host:gone", Kind: "host", Time: d(6), Via: "host:a"},
		{ID: "release:r@1", Kind: "release", Time: d(7), Suspect: true, Via: "host:b"},
		{ID: "host:c", Kind: "host", Time: d(8), Via: "release:r@1"},
	}}}
	now := &fleet.TraceSummary{Nodes: []fleet.TraceNode{
		{ID: "host:a", Kind: "host", Time: d(0), Seed: true},
		{ID: "host:b", Kind: "host", Time: d(2), Via: "host:a"},
		{ID: "host:c", Kind: "host", Time: d(9), Via: "release:r@1"},
		{ID: "host:d", Kind: "host", Time: d(8), Via: "release:r@2"},
		{ID: "host:e", Kind: "host", Time: d(8), Via: "host:b"},
		{ID: "org:acme", Kind: "org", Time: d(9), Via: "release:r@1"},
		{ID: "release:r@1", Kind: "release", Time: d(7), Suspect: true, Via: "host:b"},
		{ID: "release:r@2", Kind: "release", Time: d(7), Suspect: true, Via: "host:b"},
	}}
	c := diffSummaries(last, now)
	if c.From != 4 || !slices.Equal(nodeIDs(c.Added), []string{"host:d", "host:e", "org:acme", "release:r@2"}) ||
		!slices.Equal(nodeIDs(c.Removed), []string{"host:gone"}) {
		t.Errorf("added %v removed %v", nodeIDs(c.Added), nodeIDs(c.Removed))
	}
	if len(c.Earlier) != 1 || c.Earlier[0].Node != "host:b" || len(c.Later) != 1 || c.Later[0].Node != "host:c" {
		t.Errorf("earlier %+v later %+v", c.Earlier, c.Later)
	}
	if !slices.Equal(c.NewSuspects, []string{"release:r@2"}) || !slices.Equal(c.NewCustomers, []string{"host:d", "org:acme"}) {
		t.Errorf("new suspects %v, new customers %v", c.NewSuspects, c.NewCustomers)
	}
	if diffSummaries(last, &last.Result).Empty() != true {
		t.Error("a result compared with itself changed")
	}
}

// TestTraceCompromiseFromFindings: an alert-level finding makes its host
// known compromised from the finding's exposure time, so a backwards
// trace ranks it; a false positive does not.
func TestTraceCompromiseFromFindings(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x := threeCXOver(t, open())
		s := x.s
		if _, err := s.ImportIntel(bg, "xtrader.json", "upload", xtrader3CX(t), "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		back := fleet.TraceRequest{At: "2023-04-20", Backwards: true,
			Seeds: []fleet.TraceSeed{{Node: "host:acme-ws-11"}, {Node: "host:globex-pbx-02"}, {Node: "host:initech-lt-04"}}}
		// The X_TRADER release stays the root (dev-pc-07 ran it); what
		// the finding adds is that dev-pc-07 is known compromised.
		patientZero := func() (string, bool) {
			code, body := postTrace(t, x, x.admin, "json", back)
			if code != 200 {
				t.Fatalf("backwards: %d %s", code, body)
			}
			var r struct {
				Upstream []struct {
					Node      struct{ ID string }
					FirstHost string `json:"first_host"`
					Known     bool   `json:"known_compromised"`
				} `json:"upstream"`
				PatientZero []struct {
					FirstHost string `json:"first_host"`
				} `json:"patient_zero"`
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				t.Fatalf("%v\n%s", err, body)
			}
			if len(r.PatientZero) == 0 {
				t.Fatalf("no patient zero: %s", body)
			}
			for _, u := range r.Upstream {
				if u.Node.ID == "host:dev-pc-07" {
					return r.PatientZero[0].FirstHost, u.Known
				}
			}
			t.Fatalf("dev-pc-07 not upstream: %s", body)
			return "", false
		}
		if first, known := patientZero(); first != "host:dev-pc-07" || !known {
			t.Errorf("patient zero's first host %s, dev-pc-07 known %v; want dev-pc-07, known compromised", first, known)
		}
		code, body := postTrace(t, x, x.admin, "table", fleet.TraceRequest{At: "2023-04-20", Seeds: []fleet.TraceSeed{{Node: "incident:Trojanized X_TRADER installer"}}})
		if code != 200 || !strings.Contains(body, "release:3cxdesktopapp@18.12.416") || strings.Contains(body, "18.12.402") {
			t.Errorf("forward from the incident by name: %d\n%s", code, body)
		}
		fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{})
		if _, err := s.st.SetFindingState(bg, fs[0].ID, fleet.StateFalsePositive, "lab machine", "admin", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, known := patientZero(); known {
			t.Error("a false positive still makes its host known compromised")
		}
		code, body = postTrace(t, x, x.admin, "json", fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022"}}})
		if code != 400 || !strings.Contains(body, "false positives do not count") {
			t.Errorf("incident with only a false positive: %d %s", code, body)
		}
	})
}

// TestRetroTraceSurvivesRestart stops the server after a finding was
// queued for a saved trace but before the recomputation (the quiet delay
// is an hour), starts a new server on the same store, and finds the
// trace's new version with what changed, recomputed at start-up; a
// second drain stores nothing more.
func TestRetroTraceSurvivesRestart(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x := newHTTP(t, open(), func(c *Config) { c.RetroDelay = time.Hour; c.PollEvery = 10 * time.Millisecond })
		s := x.s
		if _, err := tg.ThreeCX(bg, s.st); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportIntel(bg, "xtrader.json", "upload", xtrader3CX(t), "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		if err := s.retro.drain(bg); err != nil { // the hunt's finding, before any trace is saved
			t.Fatal(err)
		}
		d, err := s.SaveTrace(bg, fleet.SaveTraceRequest{Name: "x", TraceRequest: fleet.TraceRequest{
			Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}}}}, "test")
		if err != nil || d.Version != 1 {
			t.Fatalf("save: %+v %v", d, err)
		}
		// The hunt's wake-up may still be pending, so the loop can be
		// inside its quiet delay when dev-pc-08's finding arrives: it
		// must record that finding in the store then, not after the delay.
		ctx, cancel := context.WithCancel(bg)
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		if _, res, err := s.ImportSnapshot(bg, devPC08(), nil, "dev-pc-08-upload-0"); err != nil || res.Findings == 0 {
			cancel()
			t.Fatalf("import dev-pc-08: %+v %v", res, err)
		}
		var qs []store.TraceRecompute
		for deadline := time.Now().Add(20 * time.Second); len(qs) == 0; time.Sleep(10 * time.Millisecond) {
			if qs, err = s.st.TraceRecomputes(bg); err != nil || time.Now().After(deadline) {
				cancel()
				t.Fatalf("nothing queued: %v", err)
			}
		}
		cancel()
		<-done
		if len(qs) != 1 || qs[0].TraceID != d.ID || len(qs[0].Findings) != 1 || !strings.Contains(qs[0].Reason, "dev-pc-08") {
			t.Fatalf("queued: %+v", qs)
		}
		if t2, _ := s.st.SavedTrace(bg, d.ID); t2.Version != 1 {
			t.Fatalf("recomputed before the restart: version %d", t2.Version)
		}
		if err := s.st.Close(); err != nil {
			t.Fatal(err)
		}

		// A new server on the same database: its loop drains the queue
		// at start-up.
		st := open()
		s2, err := New(Config{Store: st, HuntBatch: 100, RetroDelay: time.Hour, PollEvery: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel = context.WithCancel(bg)
		done = make(chan struct{})
		go func() { s2.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		var t2 fleet.SavedTrace
		for deadline := time.Now().Add(20 * time.Second); t2.Version != 2; time.Sleep(10 * time.Millisecond) {
			if t2, err = st.SavedTrace(bg, d.ID); err != nil || time.Now().After(deadline) {
				t.Fatalf("not recomputed after the restart: version %d, %v", t2.Version, err)
			}
		}
		vs, err := st.TraceVersions(bg, d.ID, 10)
		if err != nil || len(vs) != 2 || vs[0].Changes == nil {
			t.Fatalf("versions: %d %v", len(vs), err)
		}
		v := vs[0]
		if v.Reason != qs[0].Reason || !slices.Contains(nodeIDs(v.Changes.Added), "host:dev-pc-08") ||
			!slices.Equal(v.Changes.NewSuspects, []string{"release:3cxdesktopapp@18.12.402"}) {
			t.Errorf("version 2: reason %q, added %v, new suspects %v", v.Reason, nodeIDs(v.Changes.Added), v.Changes.NewSuspects)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if qs, err = st.TraceRecomputes(bg); err != nil || len(qs) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queue not emptied: %+v", qs)
			}
		}
		// Idempotent: the same entry queued again (a restart after the
		// version was stored but before the entry was removed) stores no
		// version and empties the queue.
		now := time.Now()
		if err := st.QueueTraceRecompute(bg, store.TraceRecompute{TraceID: d.ID, Reason: v.Reason, Enqueued: now, Updated: now}); err != nil {
			t.Fatal(err)
		}
		if err := s2.retro.drain(bg); err != nil {
			t.Fatal(err)
		}
		if t3, _ := st.SavedTrace(bg, d.ID); t3.Version != 2 {
			t.Errorf("recomputing again stored version %d", t3.Version)
		}
		if qs, _ := st.TraceRecomputes(bg); len(qs) != 0 {
			t.Errorf("queue after the second drain: %+v", qs)
		}
	})
}
