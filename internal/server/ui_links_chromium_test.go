package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRelatedIncidentsInChromium follows the intel's tie between X_TRADER
// and 3CX in a real headless Chromium: from X_TRADER's page to 3CX's by
// its "led to" link and back by "initial access came from", each page
// naming the tie's public source.
func TestRelatedIncidentsInChromium(t *testing.T) {
	b := newBrowser(t)
	s, ts, token := uiFixture(t)
	for _, name := range []string{"3cx-2023", "xtrader-2022"} {
		data, err := os.ReadFile(filepath.Join("..", "intel", "packs", "data", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportIntel(bg, name+".json", "upload", data, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	b.open(ts.URL + "/login")
	b.typeInto("#token", token)
	b.click("#signin")
	b.waitURL(func(u string) bool { return u == ts.URL+"/" })

	b.open(ts.URL + "/incidents/xtrader-2022")
	b.waitText("#related", "led to")
	b.click(`#related a[href="/incidents/3cx-2023"]`)
	b.waitURL(func(u string) bool { return u == ts.URL+"/incidents/3cx-2023" })
	rel := b.waitText("#related", "initial access came from")
	if !strings.Contains(rel, "Trading Technologies X_TRADER supply-chain compromise") {
		t.Errorf("3CX's related incidents: %q", rel)
	}
	var href string
	b.exec(`return document.querySelector('#related a[target=_blank]').href;`, &href)
	if href != mandiant3CX {
		t.Errorf("the tie's source links to %q, want %q", href, mandiant3CX)
	}
	b.click(`#related a[href="/incidents/xtrader-2022"]`)
	b.waitURL(func(u string) bool { return u == ts.URL+"/incidents/xtrader-2022" })
	b.waitText("#related", "3CX DesktopApp supply-chain compromise")
}
