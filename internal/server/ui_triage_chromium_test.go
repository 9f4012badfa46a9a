package server

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestTriageInChromium drives the findings screen and the triage panels
// in a real headless Chromium, forms only (the CSP forbids script): filter,
// tick two findings and acknowledge them with one reason, resolve all the
// filter selects, assign and comment on a finding and an incident, and
// export what the screen shows with the browser's session.
func TestTriageInChromium(t *testing.T) {
	b := newBrowser(t)
	x, _, ids := triageFleet(t, nil)
	b.open(x.ts.URL + "/login")
	b.typeInto("#token", x.token(t, fleet.TokenAnalyst, func(r *fleet.TokenRequest) { r.Name = "dana" }))
	b.click("#signin")
	b.waitURL(func(u string) bool { return u == x.ts.URL+"/" })

	b.open(x.ts.URL + "/findings?state=new")
	b.waitText("#findings-count", "1–6 of 6")
	// Tick the first two rows, acknowledge them with one reason.
	var ticked []string
	b.exec(`return [...document.querySelectorAll('#findings input[name=id]')].slice(0, 2).map(e => e.value);`, &ticked)
	for _, id := range ticked {
		b.click(`#findings input[value="` + id + `"]`)
	}
	b.typeInto("#bulk-reason", "owner notified")
	b.click("#bulk-selected")
	b.waitText("#findings-count", "of 4")
	for _, id := range ticked {
		f, err := x.s.st.Finding(bg, id)
		if err != nil || f.State != fleet.StateAcknowledged || f.StateReason != "owner notified" || !strings.HasPrefix(f.StateBy, "dana") {
			t.Fatalf("ticked %s: %+v %v", id, f, err)
		}
	}
	// Resolve everything a search selects: host pc-m3's findings.
	b.open(x.ts.URL + "/findings?state=new&q=pc-m3")
	b.waitText("#findings-count", "of ")
	var n int
	b.exec(`return document.querySelectorAll('#findings input[name=id]').length;`, &n)
	b.exec(`document.querySelector('#bulk-state').value = 'resolved'; return 0;`, nil)
	b.typeInto("#bulk-reason", "reimaged")
	b.click("#bulk-filter")
	b.waitURL(func(u string) bool { return strings.Contains(u, "q=pc-m3") })
	b.waitText("#findings-count", "0 of 0")
	list, _, _ := x.s.st.ListFindings(bg, storeQuery(fleet.StateResolved))
	if len(list) != n || n == 0 {
		t.Fatalf("resolved %d findings, the filter showed %d", len(list), n)
	}

	// Assign and comment on a finding.
	b.open(x.ts.URL + "/findings/" + ids[0])
	b.typeInto("#assign-to", "erin")
	b.click("#assign")
	b.waitText("#assignee", "erin")
	b.typeInto("#comment-text", "<script>alert(1)</script> checked")
	b.click("#comment")
	notes := b.waitText("#triage-notes", "checked")
	if !strings.Contains(notes, "<script>alert(1)</script> checked") || !strings.Contains(notes, "assigned to erin") || !strings.Contains(notes, "dana") {
		t.Fatalf("notes:\n%s", notes)
	}
	// The screen shows the assignee and filters by it.
	b.open(x.ts.URL + "/findings?assignee=erin")
	b.waitText("#findings-count", "1–1 of 1")
	if got := b.text("#findings .assignee"); got != "erin" {
		t.Fatalf("assignee column %q", got)
	}
	// An incident.
	b.open(x.ts.URL + "/incidents/xtrader-2022")
	b.typeInto("#assign-to", "incident lead")
	b.click("#assign")
	b.waitText("#assignee", "incident lead")
	b.typeInto("#comment-text", "bridge call at 14:00")
	b.click("#comment")
	b.waitText("#triage-notes", "bridge call at 14:00")

	// Export what the screen shows, with the browser's session cookie.
	b.open(x.ts.URL + "/findings?state=resolved")
	b.waitText("#findings-count", "of ")
	href := b.attr("#export-csv", "href")
	if !strings.Contains(href, "state=resolved") {
		t.Fatalf("export link %q lacks the filter", href)
	}
	var cookies []struct{ Name, Value string }
	b.must(b.call("GET", b.session("/cookie"), nil, &cookies))
	req, _ := http.NewRequest("GET", href, nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || resp.StatusCode != 200 || len(rows) != n+1 {
		t.Fatalf("export: %d %v, %d rows, want %d:\n%s", resp.StatusCode, err, len(rows), n+1, body)
	}

	// Every change is in the audit log.
	log := auditActions(t, x)
	for action, want := range map[string]int{"finding.state.bulk": 2, "finding.assign": 1, "finding.comment": 1, "incident.assign": 1, "incident.comment": 1} {
		if got, _ := countAudit(log, action); got != want {
			t.Errorf("audit %s: %d, want %d", action, got, want)
		}
	}
}

// attr is an element's property (an absolute href for a link).
func (b *browser) attr(css, name string) string {
	b.t.Helper()
	var v string
	b.must(b.call("GET", b.session("/element/"+b.find(css)+"/property/"+name), nil, &v))
	return v
}

func storeQuery(state string) store.FindingQuery {
	return store.FindingQuery{States: []string{state}, Limit: 1000}
}
