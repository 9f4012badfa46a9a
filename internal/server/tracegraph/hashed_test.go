package tracegraph_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// hashedBuild is `ssh-keygen -H` (OpenSSH_9.2p1 Debian-2+deb12u6) of
// build-win-02.corp.example, recorded in internal/collect/reach.
const hashedBuild = "|1|aCRcjnrhsUc4PK0M1KCebtGeDFo=|WBXgJG3BYbiU44l5Abn0jEWW2fk="

func hashedReach(entry string) snapshot.Artifact {
	a := tg.Reach(tracegraph.ArtifactSSHKnownHost, "", "dev", tg.T("2023-02-01"))
	a.Host, a.Domain, a.Hashed = entry, "", true
	return a
}

// reachedFrom traces from host:ws-9 and lists what it reached.
func reachedFrom(t *testing.T, g *cascade.Graph) []string {
	t.Helper()
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-01"), Seeds: []cascade.Seed{{Node: "host:ws-9", Time: tg.T("2023-01-15")}}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, re := range r.Reached() {
		out = append(out, re.Node.ID)
	}
	slices.Sort(out)
	return out
}

// TestHashedKnownHostsRecorded resolves a hashed entry recorded from
// ssh-keygen against the fleet's host names: a host with that full name is
// reached, with the hashed match in the evidence.
func TestHashedKnownHostsRecorded(t *testing.T) {
	st := openStore(t)
	if _, err := tg.Load(bg, st, []tg.Host{
		{Name: "build-win-02.corp.example", Snaps: []tg.Snap{{At: tg.T("2023-01-01")}}},
		{Name: "build-win-03.corp.example", Snaps: []tg.Snap{{At: tg.T("2023-01-01")}}},
		{Name: "ws-9", Snaps: []tg.Snap{{At: tg.T("2023-01-01"), Artifacts: []snapshot.Artifact{
			hashedReach(hashedBuild),
			hashedReach("|1|!!!|WBXgJG3BYbiU44l5Abn0jEWW2fk="), // malformed: nothing
		}}}},
	}); err != nil {
		t.Fatal(err)
	}
	g := graph(t, st)
	if got, want := reachedFrom(t, g), []string{"host:build-win-02.corp.example", "host:ws-9"}; !slices.Equal(got, want) {
		t.Fatalf("reached %v, want %v", got, want)
	}
	r, _ := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-01"), Seeds: []cascade.Seed{{Node: "host:ws-9", Time: tg.T("2023-01-15")}}})
	for _, re := range r.Reached() {
		if re.Node.ID == "host:build-win-02.corp.example" {
			ev := re.Path[len(re.Path)-1].Via.Evidence
			if ev.Source != tracegraph.ArtifactSSHKnownHost || !strings.Contains(ev.Note, "hashed entry matching host:build-win-02.corp.example") {
				t.Errorf("evidence %+v", ev)
			}
		}
	}
}

// TestHashedKnownHostsSSHKeygen hashes fleet names with the installed
// ssh-keygen (Debian openssh-client) and checks that each entry resolves
// to the host ssh would have looked up: by full name, short name or uid;
// not a host behind a non-default port (ssh hashes "[name]:port"), not a
// name two hosts share.
func TestHashedKnownHostsSSHKeygen(t *testing.T) {
	testutil.NeedTools(t, "ssh-keygen")
	names := []string{"ci-01.corp.example", "db-7", "[gw-2.corp.example]:2222", "twin"}
	f := filepath.Join(t.TempDir(), "known_hosts")
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
	}
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-H", "-f", f).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -H: %v: %s", err, out)
	}
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var arts []snapshot.Artifact
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		entry, _, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(entry, "|1|") {
			t.Fatalf("ssh-keygen -H wrote %q", line)
		}
		arts = append(arts, hashedReach(entry))
	}
	st := openStore(t)
	if _, err := tg.Load(bg, st, []tg.Host{
		{Name: "ci-01.corp.example", Snaps: []tg.Snap{{At: tg.T("2023-01-01")}}}, // full name
		{Name: "db-7.corp.example", Snaps: []tg.Snap{{At: tg.T("2023-01-01")}}},  // short name
		{Name: "gw-2.corp.example", Snaps: []tg.Snap{{At: tg.T("2023-01-01")}}},  // port 2222: not port 22
		{Name: "ws-9", Snaps: []tg.Snap{{At: tg.T("2023-01-01"), Artifacts: arts}}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{"twin-a", "twin-b"} { // one name, two hosts
		if _, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "twin"}, nil, tg.T("2023-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	got := reachedFrom(t, graph(t, st))
	if want := []string{"host:ci-01.corp.example", "host:db-7.corp.example", "host:ws-9"}; !slices.Equal(got, want) {
		t.Errorf("reached %v, want %v", got, want)
	}
}
