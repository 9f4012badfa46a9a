package reach

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestRole(t *testing.T) {
	for _, c := range []struct {
		os, rel string
		role    int
		user    string
	}{
		{"linux", "home/alice/.ssh/known_hosts", roleKnownHosts, "alice"},
		{"linux", "home/alice/.ssh/known_hosts2", roleKnownHosts, "alice"},
		{"linux", "root/.ssh/config", roleConfig, "root"},
		{"linux", "etc/ssh/ssh_known_hosts", roleKnownHosts, ""},
		{"macos", "Users/bob/.ssh/config", roleConfig, "bob"},
		{"macos", "private/etc/ssh/ssh_known_hosts", roleKnownHosts, ""},
		{"windows", "Users/carol/.ssh/known_hosts", roleKnownHosts, "carol"},
		{"windows", "ProgramData/ssh/ssh_known_hosts", roleKnownHosts, ""},
		{"linux", "home/alice/.ssh/sub/config", roleNone, ""},
		{"linux", "home/alice/config", roleNone, ""},
		{"linux", "home/alice/.config/known_hosts", roleNone, ""},
		{"linux", "etc/ssh/ssh_config", roleNone, ""},
		{"linux", "opt/etc/ssh/ssh_known_hosts", roleNone, ""},
		{"windows", "Users/Public/.ssh/known_hosts", roleNone, ""},
		{"linux", "srv/.ssh/known_hosts", roleNone, ""},
	} {
		if r, u := role(c.os, c.rel); r != c.role || u != c.user {
			t.Errorf("role(%s, %s) = %d %q, want %d %q", c.os, c.rel, r, u, c.role, c.user)
		}
	}
}

func TestSSHCollector(t *testing.T) {
	tKH := time.Date(2022, 12, 8, 9, 14, 0, 0, time.UTC)
	tCfg := time.Date(2022, 10, 1, 12, 0, 0, 0, time.UTC)
	tInc := time.Date(2022, 10, 5, 12, 0, 0, 0, time.UTC)
	k := " ssh-ed25519 " + testKey + "\n"
	fsys := fstest.MapFS{
		"home/alice/.ssh/known_hosts": {ModTime: tKH, Data: []byte(
			"build-win-02.corp.example,10.20.0.5" + k + hashedPort + k + "@cert-authority *.corp.example" + k + "junk\n")},
		"home/alice/.ssh/config": {ModTime: tCfg, Data: []byte(
			"Host build\n HostName build-win-02.corp.example\n User ci\n Port 2222\n ProxyJump jump.corp.example\n" +
				"Include work.conf /etc/ssh/other ../escape\n")},
		"home/alice/.ssh/work.conf": {ModTime: tInc, Data: []byte("Host 10.9.9.9\n User ops\n")},
		"etc/ssh/ssh_known_hosts":   {ModTime: tKH, Data: []byte("[git.corp.example]:7999" + k)},
	}
	sink := collecttest.Run(t, collecttest.ImageEnv(fsys, "linux"), NewSSH())
	mt := TimeFileMtime
	want := []snapshot.Artifact{
		{Kind: "ssh-known-host", User: "alice", Source: "/home/alice/.ssh/known_hosts", Host: "build-win-02.corp.example",
			Domain: "build-win-02.corp.example", LastSeen: at(tKH), TimeFrom: mt},
		{Kind: "ssh-known-host", User: "alice", Source: "/home/alice/.ssh/known_hosts", Host: "10.20.0.5",
			IP: "10.20.0.5", LastSeen: at(tKH), TimeFrom: mt},
		{Kind: "ssh-known-host", User: "alice", Source: "/home/alice/.ssh/known_hosts", Host: hashedPort, Hashed: true,
			LastSeen: at(tKH), TimeFrom: mt},
		{Kind: "ssh-known-host", User: "alice", Source: "/home/alice/.ssh/known_hosts", Host: "*.corp.example",
			Marker: "@cert-authority", LastSeen: at(tKH), TimeFrom: mt},
		{Kind: "ssh-known-host", Source: "/etc/ssh/ssh_known_hosts", Host: "[git.corp.example]:7999",
			Domain: "git.corp.example", Port: 7999, LastSeen: at(tKH), TimeFrom: mt},
		{Kind: "ssh-config-host", User: "alice", Source: "/home/alice/.ssh/config", Name: "build",
			Host: "build-win-02.corp.example", Domain: "build-win-02.corp.example", Port: 2222, RemoteUser: "ci",
			Via: "jump.corp.example", LastSeen: at(tCfg), TimeFrom: mt},
		{Kind: "ssh-config-host", User: "alice", Source: "/home/alice/.ssh/work.conf", Name: "10.9.9.9",
			Host: "10.9.9.9", IP: "10.9.9.9", RemoteUser: "ops", LastSeen: at(tInc), TimeFrom: mt},
	}
	sortArtifacts(sink.Artifacts)
	sortArtifacts(want)
	if !reflect.DeepEqual(sink.Artifacts, want) {
		t.Errorf("artifacts:\n%s\nwant:\n%s", dump(sink.Artifacts), dump(want))
	}
	var errs []string
	for _, e := range sink.Errors {
		errs = append(errs, e.Path+": "+e.Err)
	}
	joined := strings.Join(errs, "\n")
	if len(errs) != 3 || !strings.Contains(joined, "1 lines are not host-key lines (first: line 4)") ||
		!strings.Contains(joined, "Include /etc/ssh/other") || !strings.Contains(joined, "Include ../escape") {
		t.Errorf("errors:\n%s\nwant the junk line and the two Includes outside .ssh", joined)
	}
}
