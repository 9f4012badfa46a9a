package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// inventoryArtifacts runs `cascade inventory` on root and returns the
// reach artifacts it lists, keyed "kind source name host".
func inventoryArtifacts(t *testing.T, root string) map[string]snapshot.Artifact {
	t.Helper()
	code, out, errs := run(t, "inventory", "--no-cache", root)
	if code != 0 {
		t.Fatalf("inventory %s: exit %d: %s", root, code, errs)
	}
	var snap snapshot.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatal(err)
	}
	got := map[string]snapshot.Artifact{}
	for _, a := range snap.Artifacts {
		got[a.Kind+" "+a.Source+" "+a.Name+" "+a.Host] = a
	}
	return got
}

// TestEndToEndReachWindows: the RDP and PuTTY history in alice's hive are
// listed with the key times the fixture set.
func TestEndToEndReachWindows(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3")
	got := inventoryArtifacts(t, testutil.Fixture(t, "windows.sh"))
	rdp := `registry:HKU\alice\Software\Microsoft\Terminal Server Client`
	putty := `registry:HKU\alice\Software\SimonTatham\PuTTY`
	for _, w := range []struct{ key, domain, ip, remote, time string }{
		{"rdp-server " + rdp + `\Default MRU0 build-win-02.corp.example`, "build-win-02.corp.example", "", "", "2022-12-08T09:14:00Z"},
		{"rdp-server " + rdp + `\Default MRU1 10.20.0.7:3390`, "", "10.20.0.7", "", "2022-12-08T09:14:00Z"},
		{"rdp-server " + rdp + `\Servers\build-win-02.corp.example build-win-02.corp.example build-win-02.corp.example`,
			"build-win-02.corp.example", "", `CORP\alice.adm`, "2022-12-01T17:30:00Z"},
		{"putty-session " + putty + `\Sessions\jump%20box jump box jump.corp.example`, "jump.corp.example", "", "ops", "2022-11-02T08:00:00Z"},
		{"ssh-known-host " + putty + `\SshHostKeys ssh-ed25519@2070:jump.corp.example jump.corp.example`,
			"jump.corp.example", "", "", "2022-11-04T08:00:00Z"},
	} {
		a, ok := got[w.key]
		if !ok {
			t.Errorf("missing %s", w.key)
			continue
		}
		if a.User != "alice" || a.Domain != w.domain || a.IP != w.ip || a.RemoteUser != w.remote ||
			a.LastSeen == nil || a.LastSeen.Format("2006-01-02T15:04:05Z07:00") != w.time || a.TimeFrom != "key last-write" {
			t.Errorf("%s: %+v", w.key, a)
		}
	}
	if len(got) != 5 {
		t.Errorf("%d artifacts, want 5: %v", len(got), got)
	}
}

// TestEndToEndReachLinux: root's known_hosts (with a hashed entry) and
// ssh config, and the system known_hosts, with their files' mtimes.
func TestEndToEndReachLinux(t *testing.T) {
	got := inventoryArtifacts(t, testutil.Fixture(t, "linux.sh"))
	for _, w := range []struct{ key, time string }{
		{"ssh-known-host /root/.ssh/known_hosts  build-win-02.corp.example", "2024-03-27T16:20:00Z"},
		{"ssh-known-host /root/.ssh/known_hosts  10.20.0.6", "2024-03-27T16:20:00Z"},
		{"ssh-known-host /root/.ssh/known_hosts  [git.corp.example]:7999", "2024-03-27T16:20:00Z"},
		{"ssh-known-host /root/.ssh/known_hosts  |1|bhgklnbx+GiMeGpuHUeG13katiQ=|F4JsbF2zDexPvQUo5QO5fyynXMQ=", "2024-03-27T16:20:00Z"},
		{"ssh-known-host /etc/ssh/ssh_known_hosts  [git.corp.example]:7999", "2024-03-29T12:00:00Z"},
		{"ssh-config-host /root/.ssh/config build build-win-02.corp.example", "2024-02-01T10:00:00Z"},
	} {
		a, ok := got[w.key]
		if !ok || a.LastSeen == nil || a.LastSeen.Format("2006-01-02T15:04:05Z07:00") != w.time || a.TimeFrom != "file mtime" {
			t.Errorf("%s: %+v (present %v), want time %s", w.key, a, ok, w.time)
		}
	}
	if a := got["ssh-config-host /root/.ssh/config build build-win-02.corp.example"]; a.RemoteUser != "ci" || a.Via != "jump.corp.example" {
		t.Errorf("config entry %+v", a)
	}
	if a := got["ssh-known-host /root/.ssh/known_hosts  [git.corp.example]:7999"]; a.Domain != "git.corp.example" || a.Port != 7999 {
		t.Errorf("known host with port %+v", a)
	}
}

// TestEndToEndReachDomainFinding: a known_hosts entry naming an indicator's
// domain is a finding ("this machine connected over SSH to a C2 host"),
// dated by the file's mtime; a hashed entry is not matched.
func TestEndToEndReachDomainFinding(t *testing.T) {
	root := testutil.Fixture(t, "linux.sh")
	intel := filepath.Join(t.TempDir(), "c2.json")
	os.WriteFile(intel, []byte(`{"schema": "cascade.intel/v1",
  "source": {"id": "test:reach", "name": "reach test", "kind": "file"},
  "indicators": [{"id": "t-git", "type": "domain", "value": "git.corp.example", "score": 90, "description": "test C2 host"}]}`), 0o644)
	_, fs, _ := scanJSONL(t, root, intel)
	var hits []string
	for _, f := range fs {
		if f.Evidence.Kind == "artifact" {
			hits = append(hits, f.Evidence.Source+" "+f.ExposedSince+" "+f.ExposedBy)
		}
	}
	want := "/root/.ssh/known_hosts 2024-03-27T16:20:00Z ssh known host file mtime"
	if len(hits) != 2 || !strings.Contains(strings.Join(hits, "\n"), want) {
		t.Errorf("artifact findings:\n%s\nwant the two known_hosts entries, one %s", strings.Join(hits, "\n"), want)
	}
}
