package server

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

func TestRefURL(t *testing.T) {
	for ref, want := range map[string]string{
		"https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise": "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise",
		"http://example.org/a?b=c#d":   "http://example.org/a?b=c#d",
		"javascript:alert(1)":          "",
		"JAVASCRIPT://example.org/%0a": "",
		"data:text/html,<b>x</b>":      "",
		"Mandiant, April 2023":         "",
		"https://user:pw@example.org":  "",
		"//example.org/x":              "",
		"https://":                     "",
	} {
		if got := refURL(ref); got != want {
			t.Errorf("refURL(%q) = %q, want %q", ref, got, want)
		}
	}
}

// TestReferencesAreLinks: an incident's and a finding's http(s)
// references render as links that open without referrer or opener; other
// references stay text.
func TestReferencesAreLinks(t *testing.T) {
	s, ts, token := uiFixture(t)
	doc := `{"schema": "cascade.intel/v1", "source": {"id": "refs", "name": "refs", "kind": "cascade"},
 "incidents": [{"id": "inc-refs", "name": "Refs", "references": ["https://example.org/report", "javascript:alert(1)", "Vendor blog, 2023"]}],
 "indicators": [{"id": "ind-refs", "type": "sha256", "value": "` + strings.Repeat("0", 63) + `3", "score": 80, "incident": "inc-refs",
   "references": ["https://example.org/ioc", "javascript:alert(2)"]}]}`
	if _, err := s.ImportIntel(bg, "refs.json", "upload", []byte(doc), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, s)
	jar, _ := cookiejar.New(nil)
	c := ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := get(t, c, ts.URL+"/incidents/inc-refs")
	refs := between(page, "<h2>References</h2>", "</ul>")
	if !strings.Contains(refs, `<a href="https://example.org/report" rel="noopener noreferrer nofollow" target="_blank">https://example.org/report</a>`) ||
		strings.Contains(refs, `href="javascript`) || !strings.Contains(refs, "javascript:alert(1)") || !strings.Contains(refs, "Vendor blog, 2023") {
		t.Errorf("incident references:\n%s", refs)
	}
	fid := between(page, `href="/findings/`, `"`)
	if fid == "" {
		t.Fatalf("no finding on the incident page:\n%s", between(page, "<main>", "</main>"))
	}
	page = get(t, c, ts.URL+"/findings/"+fid)
	if !strings.Contains(page, `<a href="https://example.org/ioc" rel="noopener noreferrer nofollow" target="_blank">`) ||
		strings.Contains(page, `href="javascript`) {
		t.Errorf("finding references:\n%s", between(page, "<table", "</table>"))
	}
}
