package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// uiFixture is a TLS server with an X_TRADER finding, a host whose name
// is an HTML injection attempt, and an analyst token.
func uiFixture(t *testing.T) (*Server, *httptest.Server, string) {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "ui.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Store: st, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	trader, _ := st.EnsureHost(bg, snapshot.Host{ID: "ws-trader", Name: "ws-trader", OS: "windows"}, []string{"workstation"}, day(0))
	evil, _ := st.EnsureHost(bg, snapshot.Host{ID: "evil", Name: `<script>document.title="xss"</script>`, OS: "linux"}, nil, day(0))
	upload(t, s, trader, hostSnap("ws-trader", day(0), []snapshot.Software{office, xtrader}, []snapshot.Artifact{download}))
	upload(t, s, trader, hostSnap("ws-trader", day(20), []snapshot.Software{office}, nil))
	evilSnap := hostSnap("evil", day(1), []snapshot.Software{office}, nil)
	evilSnap.Host.Name = evil.Name
	upload(t, s, evil, evilSnap)
	if _, err := s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, s)
	tc, err := s.CreateToken(bg, fleet.TokenRequest{Name: "alice", Role: fleet.TokenAnalyst}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts, tc.Secret
}

// TestUIInChromium signs in, navigates, acknowledges a finding and checks
// that the content security policy blocks inline script, in a real
// headless Chromium.
func TestUIInChromium(t *testing.T) {
	b := newBrowser(t)
	s, ts, token := uiFixture(t)
	b.open(ts.URL + "/")
	if u := b.url(); !strings.Contains(u, "/login") {
		t.Fatalf("unauthenticated visit landed on %s", u)
	}
	b.typeInto("#token", "cascade_wrong")
	b.click("#signin")
	b.waitText("#login-error", "token unknown")
	b.typeInto("#token", token)
	b.click("#signin")
	b.waitURL(func(u string) bool { return u == ts.URL+"/" })
	b.waitText("#incidents", "Trojanized X_TRADER installer")
	// Hosts list with search.
	b.open(ts.URL + "/hosts")
	b.typeInto("#host-search", "trader")
	b.click("#search")
	b.waitURL(func(u string) bool { return strings.Contains(u, "q=trader") })
	if n := b.count("#hosts tr"); n != 2 {
		t.Fatalf("search for trader: %d rows (with header)", n)
	}
	// The incident page shows the exposure window.
	b.open(ts.URL + "/incidents/xtrader-2022")
	if aff := b.text("#affected"); !strings.Contains(aff, "ws-trader") || !strings.Contains(aff, "2022-03-01 08:00 UTC – 2022-03-01 08:00 UTC") {
		t.Fatalf("affected hosts:\n%s", aff)
	}
	if rem := b.text("#remediation"); !strings.Contains(rem, "Uninstall X_TRADER") {
		t.Fatalf("remediation: %q", rem)
	}
	// Acknowledge the software finding from the host page.
	b.open(ts.URL + "/hosts/1")
	if tl := b.text("#timeline"); !strings.Contains(tl, "X_TRADER 7.17.90 gone") {
		t.Fatalf("timeline:\n%s", tl)
	}
	b.click("#host-findings tr:nth-child(2) option[value=acknowledged]")
	b.typeInto("#host-findings tr:nth-child(2) input[name=reason]", "user confirmed; machine reimaged")
	b.click("#host-findings tr:nth-child(2) button")
	b.waitText("#host-findings tr:nth-child(2) .state", "acknowledged")
	fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{States: []string{fleet.StateAcknowledged}})
	if len(fs) != 1 || fs[0].StateReason != "user confirmed; machine reimaged" || !strings.Contains(fs[0].StateBy, "alice") {
		t.Fatalf("stored triage: %+v", fs)
	}
	// The host named like a script renders as text and does not run.
	b.open(ts.URL + "/hosts?q=script")
	if txt := b.text("#hosts"); !strings.Contains(txt, `<script>document.title="xss"</script>`) {
		t.Fatalf("escaped host name missing:\n%s", txt)
	}
	var title string
	b.exec(`return document.title`, &title)
	if title == "xss" {
		t.Fatal("a host name ran as script")
	}
	// Inline script injected into the page is blocked by the CSP.
	b.exec(`window.__violations = 0;
		document.addEventListener('securitypolicyviolation', function () { window.__violations++; });
		var s = document.createElement('script');
		s.textContent = 'document.title = "inline ran"';
		document.body.appendChild(s);
		return document.title;`, &title)
	if title == "inline ran" {
		t.Fatal("inline script ran despite the CSP")
	}
	var violations int
	for range 20 {
		b.exec(`return window.__violations`, &violations)
		if violations > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if violations == 0 {
		t.Fatal("no CSP violation was reported for the inline script")
	}
	b.click("#logout")
	b.waitURL(func(u string) bool { return strings.HasSuffix(u, "/login") })
	b.open(ts.URL + "/hosts")
	b.waitURL(func(u string) bool { return strings.Contains(u, "/login?next=") })
}

// TestUISessionAndCSRF checks the cookie attributes and that a posted form
// without the session's CSRF token, or from another origin, is refused.
func TestUISessionAndCSRF(t *testing.T) {
	s, ts, token := uiFixture(t)
	jar, _ := cookiejar.New(nil)
	c := ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {token}, "next": {"//evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("login redirected to %q (open redirect?)", loc)
	}
	set := resp.Header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie lacks %s: %s", attr, set)
		}
	}
	fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{})
	target := ts.URL + "/findings/" + fs[0].ID + "/state"
	page := get(t, c, ts.URL+"/findings/"+fs[0].ID)
	if ex := between(page, `<p id="exposure">`, `</p>`); !strings.Contains(ex, "Exposed since") || !strings.Contains(ex, "seen by cascade 2022-03-01 08:00 UTC") {
		t.Errorf("finding page exposure line: %q", ex)
	}
	csrf := between(page, `name="csrf" value="`, `"`)
	if csrf == "" {
		t.Fatal("no CSRF token in the page")
	}
	tests := []struct {
		name   string
		form   url.Values
		origin string
		want   int
	}{
		{"no csrf token", url.Values{"state": {"acknowledged"}}, "", 403},
		{"wrong csrf token", url.Values{"state": {"acknowledged"}, "csrf": {"x" + csrf}}, "", 403},
		{"other origin", url.Values{"state": {"acknowledged"}, "csrf": {csrf}}, "https://evil.example", 403},
		{"false positive without reason", url.Values{"state": {"false_positive"}, "csrf": {csrf}}, ts.URL, 400},
		{"good", url.Values{"state": {"resolved"}, "csrf": {csrf}}, ts.URL, 303},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("POST", target, strings.NewReader(tc.form.Encode()))
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
	f, _ := s.st.Finding(bg, fs[0].ID)
	if f.State != fleet.StateResolved {
		t.Fatalf("state %s after the only valid post", f.State)
	}
	// Agent tokens cannot sign in to the UI.
	resp, _ = ts.Client().PostForm(ts.URL+"/login", url.Values{"token": {"cascade_" + strings.Repeat("A", 43)}})
	if resp.StatusCode != 401 {
		t.Errorf("unknown token login: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}
