package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// triageFleet is a server with three hosts that each have the X_TRADER
// findings (six in all), and an analyst's client.
func triageFleet(t *testing.T, st store.Store) (*testServer, *fleetclient.Client, []string) {
	t.Helper()
	x := newHTTP(t, st, nil)
	for _, uid := range []string{"m1", "m2", "m3"} {
		agent, _ := x.enroll(t, uid)
		if _, err := agent.Upload(bg, fullUpload(hostSnap(uid, day(0), []snapshot.Software{xtrader}, []snapshot.Artifact{download}))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.client(x.admin).ImportIntel(bg, "xtrader.json", readTestdata(t, "xtrader.json")); err != nil {
		t.Fatal(err)
	}
	runHunts(t, x.s)
	analyst := x.client(x.token(t, fleet.TokenAnalyst, func(r *fleet.TokenRequest) { r.Name = "ann" }))
	list, err := analyst.Findings(bg, url.Values{"limit": {"100"}})
	if err != nil || list.Total != 6 {
		t.Fatalf("findings: %+v %v", list, err)
	}
	var ids []string
	for _, f := range list.Findings {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return x, analyst, ids
}

func auditActions(t *testing.T, x *testServer) []fleet.AuditEntry {
	t.Helper()
	var out struct{ Audit []fleet.AuditEntry }
	if err := x.client(x.admin).Get(bg, fleet.APIVersion+"/audit", url.Values{"limit": {"1000"}}, &out); err != nil {
		t.Fatal(err)
	}
	return out.Audit
}

func countAudit(es []fleet.AuditEntry, action string) (n int, last fleet.AuditEntry) {
	for _, e := range es {
		if e.Action == action {
			if n == 0 {
				last = e // newest first
			}
			n++
		}
	}
	return n, last
}

func TestTriageAPI(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x, ann, ids := triageFleet(t, open())

		// Assignment: to a person, visible in the listing and its filter.
		a, err := ann.Assign(bg, fleet.SubjectFinding, ids[0], "bob")
		if err != nil || a.Assignee != "bob" || !strings.HasPrefix(a.By, "ann (token") {
			t.Fatalf("assign: %+v %v", a, err)
		}
		list, err := ann.Findings(bg, url.Values{"assignee": {"bob"}})
		if err != nil || list.Total != 1 || list.Findings[0].ID != ids[0] || list.Findings[0].Assignee != "bob" {
			t.Fatalf("bob's findings: %+v %v", list, err)
		}
		for _, bad := range []string{strings.Repeat("x", fleet.MaxAssigneeBytes+1), "bob\nmallory"} {
			if _, err := ann.Assign(bg, fleet.SubjectFinding, ids[0], bad); fleetclient.Status(err) != 400 {
				t.Errorf("assignee %q: %v", bad, err)
			}
		}
		if _, err := ann.Assign(bg, fleet.SubjectFinding, "nope", "bob"); fleetclient.Status(err) != 404 {
			t.Errorf("assign an unknown finding: %v", err)
		}
		if _, err := ann.Assign(bg, fleet.SubjectIncident, "no-such-incident", "bob"); fleetclient.Status(err) != 404 {
			t.Errorf("assign an unknown incident: %v", err)
		}
		if a, err := ann.Assign(bg, fleet.SubjectIncident, "xtrader-2022", "carol"); err != nil || a.Assignee != "carol" {
			t.Fatalf("assign an incident: %+v %v", a, err)
		}

		// Comments with their history, bounded.
		if _, err := ann.Comment(bg, fleet.SubjectFinding, ids[0], "  "); fleetclient.Status(err) != 400 {
			t.Errorf("empty comment: %v", err)
		}
		if _, err := ann.Comment(bg, fleet.SubjectFinding, ids[0], strings.Repeat("x", fleet.MaxCommentBytes+1)); fleetclient.Status(err) != 400 {
			t.Errorf("long comment: %v", err)
		}
		if _, err := ann.Comment(bg, fleet.SubjectFinding, ids[0], "installer hash matches the vendor's bad build"); err != nil {
			t.Fatal(err)
		}
		if _, err := ann.Comment(bg, fleet.SubjectIncident, "xtrader-2022", "<b>all hands</b>"); err != nil {
			t.Fatal(err)
		}
		tr, err := ann.Triage(bg, fleet.SubjectFinding, ids[0])
		if err != nil || tr.Assignment == nil || tr.Assignment.Assignee != "bob" || len(tr.Notes) != 2 ||
			tr.Notes[0].Type != fleet.NoteAssign || tr.Notes[1].Text != "installer hash matches the vendor's bad build" {
			t.Fatalf("finding triage: %+v %v", tr, err)
		}
		if tr, err := ann.Triage(bg, fleet.SubjectIncident, "xtrader-2022"); err != nil || tr.Assignment.Assignee != "carol" || len(tr.Notes) != 2 {
			t.Fatalf("incident triage: %+v %v", tr, err)
		}
		if _, err := ann.Triage(bg, fleet.SubjectFinding, "nope"); fleetclient.Status(err) != 404 {
			t.Errorf("triage of an unknown finding: %v", err)
		}

		// Bulk by ids: one summarizing audit entry, an event per finding.
		res, err := ann.BulkState(bg, fleet.BulkStateRequest{IDs: ids[:2], State: fleet.StateAcknowledged, Reason: "on it"})
		if err != nil || !slices.Equal(res.Changed, ids[:2]) || len(res.Unchanged) != 0 {
			t.Fatalf("bulk by ids: %+v %v", res, err)
		}
		// Bulk by filter: the rest of the new findings.
		res, err = ann.BulkState(bg, fleet.BulkStateRequest{Filter: "state=new", State: fleet.StateResolved, Reason: "reimaged"})
		if err != nil || !slices.Equal(res.Changed, ids[2:]) {
			t.Fatalf("bulk by filter: %+v %v", res, err)
		}
		for _, tc := range []struct {
			name string
			req  fleet.BulkStateRequest
		}{
			{"nothing named", fleet.BulkStateRequest{State: fleet.StateResolved}},
			{"ids and filter", fleet.BulkStateRequest{IDs: ids[:1], Filter: "state=new", State: fleet.StateResolved}},
			{"false positive without reason", fleet.BulkStateRequest{IDs: ids[:1], State: fleet.StateFalsePositive}},
			{"too many", fleet.BulkStateRequest{IDs: make([]string, fleet.MaxBulk+1), State: fleet.StateResolved}},
			{"empty filter result", fleet.BulkStateRequest{Filter: "state=new", State: fleet.StateResolved}},
			{"bad filter", fleet.BulkStateRequest{Filter: "state=sleepy", State: fleet.StateResolved}},
		} {
			if _, err := ann.BulkState(bg, tc.req); fleetclient.Status(err) != 400 {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if _, err := ann.BulkState(bg, fleet.BulkStateRequest{IDs: []string{ids[0], "nope"}, State: fleet.StateNew}); fleetclient.Status(err) != 404 {
			t.Errorf("bulk with an unknown id: %v", err)
		}
		if d, _ := ann.Finding(bg, ids[0]); d.Finding.State != fleet.StateAcknowledged || len(d.Events) != 1 || d.Finding.Assignee != "bob" {
			t.Fatalf("after a refused bulk change: %+v", d)
		}

		// Every change is audited.
		log := auditActions(t, x)
		for action, want := range map[string]int{"finding.assign": 1, "incident.assign": 1, "finding.comment": 1, "incident.comment": 1, "finding.state.bulk": 2} {
			if n, _ := countAudit(log, action); n != want {
				t.Errorf("audit %s: %d entries, want %d", action, n, want)
			}
		}
		_, bulk := countAudit(log, "finding.state.bulk")
		for _, id := range ids[2:] {
			if !strings.Contains(bulk.Detail, id) || !strings.Contains(bulk.Detail, "reimaged") {
				t.Errorf("bulk audit entry lacks %s: %+v", id, bulk)
			}
		}
	})
}

func TestTriageExport(t *testing.T) {
	testutil.NeedTools(t, "jq")
	x, ann, ids := triageFleet(t, nil)
	if _, err := ann.Assign(bg, fleet.SubjectFinding, ids[1], "=cmd|' /C calc'!A0"); err != nil {
		t.Fatal(err)
	}
	export := func(q url.Values) string {
		t.Helper()
		var b bytes.Buffer
		if err := ann.ExportFindings(bg, q, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	// CSV, read back with encoding/csv: a header and one row per finding
	// the filter selects, formulas defused.
	rows, err := csv.NewReader(strings.NewReader(export(url.Values{"format": {"csv"}, "q": {"pc-m1"}}))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "finding_id" || rows[0][len(rows[0])-1] != "assignee" {
		t.Fatalf("csv: %v %v", rows, err)
	}
	all, _ := csv.NewReader(strings.NewReader(export(url.Values{"format": {"csv"}}))).ReadAll()
	var assignees []string
	for _, r := range all[1:] {
		assignees = append(assignees, r[len(r)-1])
	}
	if len(all) != 7 || !slices.Contains(assignees, "'=cmd|' /C calc'!A0") {
		t.Fatalf("csv assignees: %q", assignees)
	}
	// JSON Lines, read by jq.
	jsonl := export(url.Values{"format": {"jsonl"}})
	cmd := exec.Command("jq", "-r", ".id")
	cmd.Stdin = strings.NewReader(jsonl)
	out, err := cmd.Output()
	got := strings.Fields(string(out))
	slices.Sort(got)
	if err != nil || !slices.Equal(got, ids) {
		t.Fatalf("jq read %q (%v), want %q", got, err, ids)
	}
	if n := strings.Count(jsonl, "\n"); n != 6 {
		t.Fatalf("jsonl: %d lines", n)
	}
	// STIX: a bundle whose every reference resolves, one sighting per
	// finding, with the properties STIX 2.1 requires.
	checkSTIXSightings(t, export(url.Values{"format": {"stix"}}), ids)
	// Bad format.
	if err := ann.ExportFindings(bg, url.Values{"format": {"xml"}}, &bytes.Buffer{}); fleetclient.Status(err) != 400 {
		t.Fatalf("bad format: %v", err)
	}
	_ = x
}

// checkSTIXSightings checks a bundle against STIX 2.1's required
// properties (§3.2, §4.5 identity, §4.7 indicator, §5.2 sighting) and
// that every _ref and _refs names an object of the bundle.
func checkSTIXSightings(t *testing.T, raw string, findings []string) {
	t.Helper()
	var b struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil || b.Type != "bundle" || !strings.HasPrefix(b.ID, "bundle--") {
		t.Fatalf("bundle: %v\n%.300s", err, raw)
	}
	byID := map[string]map[string]any{}
	for _, o := range b.Objects {
		byID[o["id"].(string)] = o
	}
	required := map[string][]string{
		"identity":  {"name"},
		"indicator": {"pattern", "pattern_type", "valid_from"},
		"sighting":  {"sighting_of_ref"},
	}
	var sighted []string
	for _, o := range b.Objects {
		typ, _ := o["type"].(string)
		for _, p := range append([]string{"type", "spec_version", "id", "created", "modified"}, required[typ]...) {
			if _, ok := o[p]; !ok {
				t.Errorf("%s lacks %s", o["id"], p)
			}
		}
		if !strings.HasPrefix(o["id"].(string), typ+"--") || o["spec_version"] != "2.1" {
			t.Errorf("object %v", o)
		}
		for k, v := range o {
			var refs []any
			switch {
			case strings.HasSuffix(k, "_ref"):
				refs = []any{v}
			case strings.HasSuffix(k, "_refs"):
				refs = v.([]any)
			}
			for _, r := range refs {
				if byID[r.(string)] == nil {
					t.Errorf("%s.%s names %v, not in the bundle", o["id"], k, r)
				}
			}
		}
		if typ == "sighting" {
			sighted = append(sighted, o["x_cascade_finding_id"].(string))
			if o["count"] != float64(1) || o["first_seen"] == nil {
				t.Errorf("sighting %v", o)
			}
			if ind := byID[o["sighting_of_ref"].(string)]; ind["type"] != "indicator" {
				t.Errorf("sighting of %v", ind)
			}
		}
	}
	slices.Sort(sighted)
	if !slices.Equal(sighted, findings) {
		t.Errorf("sightings of %v, want %v", sighted, findings)
	}
	if t.Failed() {
		fmt.Println(raw)
	}
}

// TestTriageFormsCSRF checks that the triage forms refuse a post without
// the session's CSRF token or from another origin, and accept a good one.
func TestTriageFormsCSRF(t *testing.T) {
	x, _, ids := triageFleet(t, nil)
	jar, _ := cookiejar.New(nil)
	c := x.ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(x.ts.URL+"/login", url.Values{"token": {x.token(t, fleet.TokenAnalyst, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csrf := between(get(t, c, x.ts.URL+"/findings"), `name="csrf" value="`, `"`)
	if csrf == "" {
		t.Fatal("no CSRF token on the findings screen")
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
		origin     string
		want       int
	}{
		{"bulk without token", "/findings/bulk", url.Values{"state": {"resolved"}, "id": {ids[0]}}, "", 403},
		{"bulk from elsewhere", "/findings/bulk", url.Values{"state": {"resolved"}, "id": {ids[0]}, "csrf": {csrf}}, "https://evil.example", 403},
		{"assign wrong token", "/findings/" + ids[0] + "/assign", url.Values{"assignee": {"x"}, "csrf": {csrf + "x"}}, "", 403},
		{"comment without token", "/incidents/xtrader-2022/comments", url.Values{"text": {"x"}}, "", 403},
		{"bulk nothing ticked", "/findings/bulk", url.Values{"state": {"resolved"}, "csrf": {csrf}}, x.ts.URL, 400},
		{"bulk good", "/findings/bulk", url.Values{"state": {"resolved"}, "id": {ids[0]}, "csrf": {csrf}, "scope": {"selected"}}, x.ts.URL, 303},
		{"assign good", "/findings/" + ids[0] + "/assign", url.Values{"assignee": {"x"}, "csrf": {csrf}}, x.ts.URL, 303},
		{"comment good", "/incidents/xtrader-2022/comments", url.Values{"text": {"first line\r\n<i>second</i>"}, "csrf": {csrf}}, x.ts.URL, 303},
	} {
		req, _ := http.NewRequest("POST", x.ts.URL+tc.path, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// A comment's lines stay lines, its markup stays text.
	if page := get(t, c, x.ts.URL+"/incidents/xtrader-2022"); !strings.Contains(page, "first line<br>&lt;i&gt;second&lt;/i&gt;") {
		t.Errorf("comment rendered as:\n%s", between(page, `id="triage-notes"`, "</table>"))
	}
	log := auditActions(t, x)
	for action, want := range map[string]int{"finding.state.bulk": 1, "finding.assign": 1, "incident.comment": 1} {
		if got, _ := countAudit(log, action); got != want {
			t.Errorf("audit %s: %d, want %d", action, got, want)
		}
	}
}
