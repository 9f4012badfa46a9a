package server

import (
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// TestTracePageInChromium draws the 3CX trace in a real headless
// Chromium: the SVG lays out with the suspect releases in time order, the
// hops table holds the RDP hop, the trace is saved through its form, a
// second dev PC's finding changes it, and the saved trace's page shows
// the change; the backwards form lists patient zero.
func TestTracePageInChromium(t *testing.T) {
	b := newBrowser(t)
	x := threeCXServer(t)
	if _, err := x.s.ImportIntel(bg, "xtrader.json", "upload", xtrader3CX(t), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, x.s)
	b.open(x.ts.URL + "/login")
	b.typeInto("#token", x.token(t, fleet.TokenAnalyst, nil))
	b.click("#signin")
	b.waitURL(func(u string) bool { return u == x.ts.URL+"/" })

	b.open(x.ts.URL + "/trace")
	b.typeInto("#trace-from", "release:x_trader@7.17.90p608@2022-02-01")
	b.click("#trace-run")
	b.waitText("#trace-hops", "rdp-server")
	// The browser laid the drawing out: every node a circle with a box,
	// the suspects at their build times, 18.12.416 right of 18.12.407.
	var got struct {
		Circles  int
		Suspects []struct {
			Title string
			X     float64
		}
	}
	b.exec(`const cs = [...document.querySelectorAll('#trace-svg circle')];
		return {Circles: cs.filter(c => c.getBoundingClientRect().width > 0).length,
			Suspects: cs.filter(c => c.classList.contains('suspect')).map(c => ({Title: c.querySelector('title').textContent, X: c.getBoundingClientRect().x}))};`, &got)
	if got.Circles < 8 || len(got.Suspects) != 2 {
		t.Fatalf("drawn: %d circles, suspects %+v", got.Circles, got.Suspects)
	}
	if !strings.HasPrefix(got.Suspects[0].Title, "release:3cxdesktopapp@18.12.407") || !strings.HasPrefix(got.Suspects[1].Title, "release:3cxdesktopapp@18.12.416") ||
		got.Suspects[1].X <= got.Suspects[0].X {
		t.Fatalf("suspects out of time order: %+v", got.Suspects)
	}
	if hops := b.text("#trace-hops"); strings.Contains(hops, "18.12.402") {
		t.Fatalf("the release built before the compromise is in the trace:\n%s", hops)
	}

	// Save it, then a finding on a second dev PC changes it.
	b.typeInto("#trace-save-name", "from X_TRADER")
	b.click("#trace-save")
	u := b.waitURL(func(u string) bool { return strings.Contains(u, "/traces/") })
	b.waitText("#trace-changes", "first result")
	if _, _, err := x.s.ImportSnapshot(bg, devPC08(), nil, "dev-pc-08-upload-0"); err != nil {
		t.Fatal(err)
	}
	if err := x.s.retro.drain(bg); err != nil {
		t.Fatal(err)
	}
	b.open(u)
	ch := b.waitText("#trace-version-2", "new suspect releases")
	for _, w := range []string{"release:3cxdesktopapp@18.12.402", "new customers", "host:umbrella-ws-01", "added host:dev-pc-08 (host)", "host:build-win-02 reached 190 days earlier"} {
		if !strings.Contains(ch, w) {
			t.Errorf("changes lack %q:\n%s", w, ch)
		}
	}
	b.click("#saved-trace-recompute")
	b.waitText("#trace-changes", "version 2")
	if n := b.count(".trace-version"); n != 2 {
		t.Errorf("an unchanged recomputation stored a version: %d versions shown", n)
	}

	// Backwards from the three customers: patient zero through dev-pc-07.
	b.open(x.ts.URL + "/trace")
	b.typeInto("#trace-from", "host:acme-ws-11 host:globex-pbx-02 host:initech-lt-04")
	b.click("#trace-backwards")
	b.click("#trace-run")
	b.waitText("#trace-patient-zero", "host:dev-pc-07")
}
