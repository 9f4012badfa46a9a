package fleete2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/agent"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// state is what a fixture machine holds on one collection day.
type state struct {
	day       int
	software  []snapshot.Software
	files     []snapshot.File
	artifacts []snapshot.Artifact
}

var (
	office   = snapshot.Software{Name: "Microsoft 365 Apps", Vendor: "Microsoft", Version: "16.0.15028", Platform: "windows", Ecosystem: "windows", Source: `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\O365`}
	sevenZip = snapshot.Software{Name: "7-Zip 22.01", Vendor: "Igor Pavlov", Version: "22.01", Platform: "windows", Ecosystem: "windows", Source: `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip`}
	xtrader  = snapshot.Software{Name: "X_TRADER", Vendor: "Trading Technologies", Version: "7.17.90", Platform: "windows", Ecosystem: "windows",
		Source: `registry:HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\X_TRADER`, InstallPath: `C:\tt\`}
	installer = snapshot.File{Path: `C:\Users\ann\Downloads\X_TRADER_r7.17.90p608.exe`, Size: 70_000_000, Type: snapshot.TypePE,
		SHA256: "fbc50755913de619fb830fb95882e9703dbfda67dbd0f75bc17eadc9eda61370", ModTime: day(-1)}
	download = snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://download.tradingtechnologies.com/x_trader/X_TRADER_r7.17.90p608.exe",
		TargetPath: installer.Path, Browser: "chrome", User: "ann", Source: `C:\Users\ann\AppData\Local\Google\Chrome\User Data\Default\History`}
)

func systemFiles(host string) []snapshot.File {
	var out []snapshot.File
	for i := range 20 {
		out = append(out, snapshot.File{Path: fmt.Sprintf(`C:\Windows\System32\lib%02d.dll`, i), Size: int64(1000 + i), Type: snapshot.TypePE,
			SHA256: fmt.Sprintf("%064x", i+1), ModTime: day(-100)})
	}
	return append(out, snapshot.File{Path: `C:\Users\` + host + `\notes.txt`, Size: 5, Type: snapshot.TypeOther, SHA256: fmt.Sprintf("%064x", 999)})
}

// machines: ws-trader had X_TRADER from day 0 to day 10 and removed it
// before day 30; the others never had it.
func machines() map[string][]state {
	trader := []state{
		{0, []snapshot.Software{office, xtrader}, append(systemFiles("ann"), installer), []snapshot.Artifact{download}},
		{10, []snapshot.Software{office, xtrader}, append(systemFiles("ann"), installer), []snapshot.Artifact{download}},
		{30, []snapshot.Software{office}, systemFiles("ann"), nil},
		{45, []snapshot.Software{office, sevenZip}, systemFiles("ann"), nil},
	}
	plain := func(h string) []state {
		return []state{{0, []snapshot.Software{office}, systemFiles(h), nil}, {30, []snapshot.Software{office, sevenZip}, systemFiles(h), nil}}
	}
	return map[string][]state{"ws-trader": trader, "ws-hr": plain("hr"), "build-01": plain("ci")}
}

// fixtureCollector hands out a machine's states in order.
func fixtureCollector(uid string, states []state) func(context.Context) (*snapshot.Snapshot, error) {
	i := 0
	return func(context.Context) (*snapshot.Snapshot, error) {
		st := states[min(i, len(states)-1)]
		i++
		s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: uid, Name: uid, OS: "windows", OSVersion: "10.0.19045",
			Source: "live", CollectedAt: day(st.day), Collector: "cascade/e2e"}}
		s.Software = append(s.Software, st.software...)
		s.Files = append(s.Files, st.files...)
		s.Artifacts = append(s.Artifacts, st.artifacts...)
		return s, nil
	}
}

func TestThreeAgentsThenXTraderIntel(t *testing.T) {
	engines(t, func(t *testing.T, open func(*testing.T) store.Store, _ string) {
		st := open(t)
		l := startServer(t, st, nil)
		enroll := l.enrollToken(t)
		hostIDs := map[string]int64{}
		for uid, states := range machines() {
			a, err := agent.New(bg, agent.Options{Server: l.url, TLS: l.tls, EnrollToken: enroll, StateDir: t.TempDir(), Once: true,
				Host: func() snapshot.Host { return snapshot.Host{ID: uid, Name: uid, OS: "windows"} }, Collect: fixtureCollector(uid, states),
				RetryMin: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			for range states {
				if err := a.Run(bg); err != nil {
					t.Fatalf("%s: %v", uid, err)
				}
			}
			hostIDs[uid] = a.HostID()
		}
		analyst := l.client(tokenFor(t, l, fleet.TokenAnalyst))
		before := snapshotCounts(t, st)
		if list, err := analyst.Findings(bg, nil); err != nil || list.Total != 0 {
			t.Fatalf("findings before any X_TRADER intel: %+v %v", list, err)
		}
		data, err := os.ReadFile(filepath.Join("..", "server", "testdata", "xtrader.json"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.client(l.admin).ImportIntel(bg, "xtrader.json", data)
		if err != nil || res.HuntID == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		h := waitHunt(t, analyst, res.HuntID, 30*time.Second)
		list, err := analyst.Findings(bg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 2 || h.Findings != 2 {
			t.Fatalf("findings after the import: %d (hunt says %d): %+v", list.Total, h.Findings, list.Findings)
		}
		kinds := map[string]bool{}
		for _, f := range list.Findings {
			kinds[f.Evidence.Kind] = true
			if f.HostID != hostIDs["ws-trader"] {
				t.Errorf("finding on the wrong host: %+v", f)
			}
			if f.Present || !f.FirstSeen.Equal(day(0)) || !f.LastSeen.Equal(day(10)) {
				t.Errorf("%s finding: exposure %s – %s (present %v), want %s – %s, gone", f.Evidence.Kind, f.FirstSeen, f.LastSeen,
					f.Present, day(0), day(10))
			}
			if f.Incident == nil || f.Incident.ID != "xtrader-2022" || f.Remediation == "" {
				t.Errorf("finding lacks its incident or remediation: %+v", f)
			}
		}
		if !kinds["software"] || !kinds["artifact"] {
			t.Errorf("want the software and the download finding, got %v", kinds)
		}
		if after := snapshotCounts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("agents uploaded during the hunt: %v → %v", before, after)
		}
		incs, err := analyst.Incidents(bg)
		if err != nil || len(incs) != 1 || incs[0].HostsEver != 1 || incs[0].HostsNow != 0 || !incs[0].FirstSeen.Equal(day(0)) {
			t.Fatalf("incident summary: %+v %v", incs, err)
		}
		var detail fleet.IncidentDetail
		if err := analyst.Get(bg, fleet.APIVersion+"/incidents/xtrader-2022", url.Values{}, &detail); err != nil {
			t.Fatal(err)
		}
		if len(detail.Hosts) != 1 || detail.Hosts[0].Name != "ws-trader" || !detail.Hosts[0].LastSeen.Equal(day(10)) {
			t.Fatalf("incident hosts: %+v", detail.Hosts)
		}
	})
}

func tokenFor(t *testing.T, l *live, role string) string {
	t.Helper()
	tc, err := l.client(l.admin).CreateToken(bg, fleet.TokenRequest{Name: role, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return tc.Secret
}

func snapshotCounts(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	hs, _, err := st.ListHosts(bg, store.HostQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, h := range hs {
		out[h.UID] = h.Snapshots
	}
	return out
}
