package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestSearchUI: the search page lists every host that ever had the
// product, links to it and escapes what hosts reported; a refused pattern
// is explained; an admin saves the search as intel in one step, which is
// audited and hunts.
func TestSearchUI(t *testing.T) {
	s, ts, analystToken := uiFixture(t)
	login := func(token string) *http.Client {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := ts.Client()
		c.Jar = jar
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		return c
	}
	analyst := login(analystToken)

	page := get(t, analyst, ts.URL+"/search?q="+url.QueryEscape("X_TRADER@>=7.17,<7.18"))
	hits := between(page, `<table id="search-hits">`, `</table>`)
	if !strings.Contains(hits, `<a href="/hosts/`) || !strings.Contains(hits, "ws-trader") || !strings.Contains(hits, "gone") ||
		!strings.Contains(hits, "X_TRADER@7.17.90") {
		t.Errorf("product search hits:\n%s", hits)
	}
	if !strings.Contains(page, "1 hits on 1 hosts (product search") {
		t.Errorf("summary: %q", between(page, `<p class="muted" id="search-summary">`, `</p>`))
	}
	if strings.Contains(page, `id="save-intel"`) {
		t.Error("an analyst is offered to save intel")
	}
	// Execution evidence found by the SHA-1 Amcache recorded, marked as
	// such, with the program's path, the record's time and its source.
	trader, err := s.st.EnsureHost(bg, snapshot.Host{ID: "ws-trader", Name: "ws-trader", OS: "windows"}, []string{"workstation"}, day(0))
	if err != nil {
		t.Fatal(err)
	}
	upload(t, s, trader, hostSnap("ws-trader", day(21), []snapshot.Software{office}, []snapshot.Artifact{ranXTrader}))
	page = get(t, analyst, ts.URL+"/search?q="+ranXTrader.SHA1)
	hits = between(page, `<table id="search-hits">`, `</table>`)
	for _, want := range []string{"ws-trader", `<span class="evidence">amcache-file</span>`, `x_trader.exe`,
		"sha1 " + strings.ToLower(ranXTrader.SHA1), "recorded 2022-04-12 09:30 UTC", `Amcache.hve`, "present"} {
		if !strings.Contains(hits, want) {
			t.Errorf("sha1 search hits lack %q:\n%s", want, hits)
		}
	}
	// A host's reported name is text, never markup.
	page = get(t, analyst, ts.URL+"/search?kind=product&q=Office")
	if strings.Contains(page, "<script>document") || !strings.Contains(page, "evil") {
		t.Errorf("hostile host name in the search page:\n%s", between(page, `<table id="search-hits">`, `</table>`))
	}
	// A pattern that would read everything is refused with why.
	resp, err := analyst.Get(ts.URL + "/search?kind=name&q=*")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(between(string(b), `id="search-refused">`, `</p>`), "literal characters") {
		t.Errorf("bare * : %d %s", resp.StatusCode, between(string(b), `<main>`, `</main>`))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") && !strings.Contains(csp, "default-src") {
		t.Errorf("search page CSP %q", csp)
	}
	// An analyst cannot save intel even with a valid form.
	csrf := between(get(t, analyst, ts.URL+"/search"), `name="csrf" value="`, `"`)
	resp, err = analyst.PostForm(ts.URL+"/search/intel", url.Values{"csrf": {csrf}, "q": {"f3.dll"}, "kind": {"name"}, "name": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst saved intel: %d", resp.StatusCode)
	}

	// The admin saves a name search; it is imported as search:f3,
	// audited, and its hunt finds the file on both hosts.
	tc, err := s.CreateToken(bg, fleet.TokenRequest{Name: "root", Role: fleet.TokenAdmin}, "test")
	if err != nil {
		t.Fatal(err)
	}
	admin := login(tc.Secret)
	page = get(t, admin, ts.URL+"/search?q=F3.DLL")
	form := between(page, `<form method="post" action="/search/intel"`, `</form>`)
	if !strings.Contains(form, `name="kind" value="name"`) {
		t.Fatalf("save form: %s", form)
	}
	before, _, _ := s.st.ListFindings(bg, store.FindingQuery{Limit: 1000})
	resp, err = admin.PostForm(ts.URL+"/search/intel", url.Values{"csrf": {between(form, `name="csrf" value="`, `"`)},
		"q": {"F3.DLL"}, "kind": {"name"}, "name": {"f3"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/intel" {
		t.Fatalf("save as intel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	runHunts(t, s)
	after, _, _ := s.st.ListFindings(bg, store.FindingQuery{Limit: 1000})
	found := map[int64]bool{}
	for _, f := range after {
		if strings.Contains(f.Title, `fleet search name "F3.DLL"`) {
			found[f.HostID] = true
		}
	}
	if len(found) != 2 || len(after) <= len(before) {
		t.Errorf("the saved search hunted %d hosts (%d findings before, %d after)", len(found), len(before), len(after))
	}
	log, _ := s.st.AuditLog(bg, 20, 0)
	audited := false
	for _, e := range log {
		if e.Action == "intel.import" && e.Target == "search:f3" && strings.Contains(e.Detail, `saved search name "F3.DLL"`) {
			audited = true
		}
	}
	if !audited {
		t.Errorf("no audit entry for the saved search: %+v", log)
	}
}

func TestSearchIntel(t *testing.T) {
	for _, tc := range []struct {
		kind, q, want string
		bad           bool
	}{
		{"name", "3CX*.exe", `"value": "(?:^|[\\\\/])3CX.*\\.exe$"`, false},
		{"path", `C:\Users\*\a?.dll`, `"value": "^C:\\\\Users\\\\.*\\\\a.\\.dll$"`, false},
		{"product", "xz-utils@>=5.6.0,<5.6.2", `"introduced": "5.6.0"`, false},
		{"product", "xz-utils@5.6.1", `"versions": [`, false},
		{"product", "xz-utils@>5.6.0", "", true},
		{"digest", strings.Repeat("A", 40), `"type": "sha1"`, false},
		{"name", "*", "", true},
	} {
		b, err := searchIntel("t", tc.kind, tc.q, "me")
		if tc.bad != (err != nil) || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %q: %v\n%s", tc.kind, tc.q, err, b)
		}
	}
}
