package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// ranXTrader is Amcache's memory of an X_TRADER that ran on 2022-04-12
// and whose file is gone: only its SHA-1 is left.
var ranXTrader = func() snapshot.Artifact {
	ran := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	return snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\program files (x86)\trading technologies\x_trader\x_trader.exe`,
		SHA1: "ced2b5d2a1a39f3a1f3f5a1e8b2b6dc5c1a8e6f0", Source: `C:\Windows\AppCompat\Programs\Amcache.hve`, FirstSeen: &ran, LastSeen: &ran}
}()

// searchFleet is two hosts: m1 had X_TRADER and its download, then lost
// both; m2 has them now, and its Amcache remembers an X_TRADER that ran.
func searchFleet(t *testing.T) *testServer {
	t.Helper()
	x := newHTTP(t, nil, nil)
	a1, _ := x.enroll(t, "m1")
	a2, _ := x.enroll(t, "m2")
	for _, u := range []struct {
		c    *fleetclient.Client
		snap *snapshot.Snapshot
	}{
		{a1, hostSnap("m1", day(0), []snapshot.Software{xtrader, office}, []snapshot.Artifact{download})},
		{a1, hostSnap("m1", day(5), []snapshot.Software{office}, nil)},
		{a2, hostSnap("m2", day(10), []snapshot.Software{xtrader}, []snapshot.Artifact{download, ranXTrader})},
	} {
		if _, err := u.c.Upload(bg, fullUpload(u.snap)); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func TestSearchAPI(t *testing.T) {
	x := searchFleet(t)
	analyst := x.client(x.token(t, fleet.TokenAnalyst, nil))
	hosts := func(res fleet.SearchResult) string {
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.HostUID)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name, q, kind, from, to string
		wantKind, wantHosts     string
		status                  int
	}{
		{"product range inferred", "X_TRADER@>=7.17,<7.18", "", "", "", "product", "m1,m2", 200},
		{"product out of range", "X_TRADER@>=7.18", "", "", "", "product", "", 200},
		{"digest inferred", fmt.Sprintf("%064x", 3), "", "", "", "digest", "m1,m2", 200},
		{"time range", "X_TRADER@7.17.90", "", day(6).Format("2006-01-02"), "", "product", "m2", 200},
		{"time range still present", fmt.Sprintf("%064x", 3), "", day(6).Format("2006-01-02"), "", "digest", "m1,m2", 200},
		{"domain", "tradingtechnologies.com", "", "", "", "domain", "m1,m2", 200},
		{"url", download.URL, "", "", day(1).Format(timeRFC3339), "url", "m1", 200},
		{"path folded", `c:\windows\SYSTEM32\f1*`, "", "", "", "path", "m1,m2", 200},
		{"name", "f4.DLL", "name", "", "", "name", "m1,m2", 200},
		{"sha1 of a program that ran", ranXTrader.SHA1, "", "", "", "digest", "m2", 200},
		{"bare star refused", "*", "name", "", "", "", "", 400},
		{"short literal refused", "f*.dll", "", "", "", "", "", 400},
		{"bad time", "f4.dll", "name", "yesterday", "", "", "", 400},
		{"bad kind", "f4.dll", "colour", "", "", "", "", 400},
		{"no query", "", "", "", "", "", "", 400},
	}
	for _, tc := range tests {
		q := url.Values{"q": {tc.q}}
		for k, v := range map[string]string{"kind": tc.kind, "from": tc.from, "to": tc.to} {
			if v != "" {
				q.Set(k, v)
			}
		}
		res, err := analyst.Search(bg, q)
		if tc.status != 200 {
			if fleetclient.Status(err) != tc.status {
				t.Errorf("%s: %v, want status %d", tc.name, err, tc.status)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if res.Kind != tc.wantKind || hosts(res) != tc.wantHosts {
			t.Errorf("%s: kind %s hosts %q, want %s %q", tc.name, res.Kind, hosts(res), tc.wantKind, tc.wantHosts)
		}
	}

	// The refusal says why.
	_, err := analyst.Search(bg, url.Values{"q": {"*"}, "kind": {"name"}})
	if err == nil || !strings.Contains(err.Error(), "literal characters") {
		t.Errorf("bare * refused with %v", err)
	}

	// Paging: one observation a page, to the end.
	q := url.Values{"q": {"X_TRADER"}, "kind": {"product"}, "limit": {"1"}}
	var pages, hits int
	for {
		res, err := analyst.Search(bg, q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		hits += len(res.Hits)
		if res.Next == "" || pages > 5 {
			break
		}
		q.Set("cursor", res.Next)
	}
	if hits != 2 || pages < 2 {
		t.Errorf("paged search: %d hits in %d pages", hits, pages)
	}

	// The evidence: the gone observation keeps its path and interval.
	res, err := analyst.Search(bg, url.Values{"q": {download.URL}, "to": {day(1).Format(timeRFC3339)}})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("url search: %+v %v", res, err)
	}
	h := res.Hits[0]
	if h.Present || h.Artifact == nil || h.Artifact.TargetPath != download.TargetPath || !h.FirstSeen.Equal(day(0)) || h.Matched != download.URL {
		b, _ := json.Marshal(h)
		t.Errorf("hit %s", b)
	}

	// Execution evidence: the Amcache entry is a hit of its own, marked
	// as such, with the record's path, source and run time.
	res, err = analyst.Search(bg, url.Values{"q": {strings.ToUpper(ranXTrader.SHA1)}})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("sha1 search: %+v %v", res, err)
	}
	h = res.Hits[0]
	if a := h.Artifact; h.Evidence != snapshot.ArtifactAmcacheFile || a == nil || a.Path != ranXTrader.Path || a.Source != ranXTrader.Source ||
		a.LastSeen == nil || !a.LastSeen.Equal(*ranXTrader.LastSeen) || !strings.EqualFold(a.SHA1, ranXTrader.SHA1) || !h.Present ||
		h.Matched != "sha1:"+strings.ToLower(ranXTrader.SHA1)+" (amcache-file)" {
		b, _ := json.Marshal(h)
		t.Errorf("evidence hit %s", b)
	}
	// A file hit says so too.
	res, err = analyst.Search(bg, url.Values{"q": {fmt.Sprintf("%064x", 3)}})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Evidence != "file" {
		t.Errorf("file hit evidence: %+v %v", res, err)
	}

	// Caps: a limit over 1000 and an over-long q are refused; an agent
	// may not search.
	if _, err := analyst.Search(bg, url.Values{"q": {"f4.dll"}, "limit": {"5000"}}); fleetclient.Status(err) != 400 {
		t.Errorf("limit 5000: %v", err)
	}
	if _, err := analyst.Search(bg, url.Values{"q": {strings.Repeat("a", 2000)}}); fleetclient.Status(err) != 400 {
		t.Errorf("long q: %v", err)
	}
	agent, _ := x.enroll(t, "m3")
	if _, err := agent.Search(bg, url.Values{"q": {"f4.dll"}}); fleetclient.Status(err) != 403 {
		t.Errorf("agent search: %v", err)
	}
}

const timeRFC3339 = "2006-01-02T15:04:05Z07:00"
