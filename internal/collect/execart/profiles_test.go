package execart_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

const aliceSID = "S-1-5-21-1111111111-2222222222-3333333333-1001"

// profileListReg is SOFTWARE's ProfileList as Windows writes it, merged by
// hivexregedit into the empty template.
const profileListReg = `Windows Registry Editor Version 5.00

[\Microsoft]

[\Microsoft\Windows NT]

[\Microsoft\Windows NT\CurrentVersion]

[\Microsoft\Windows NT\CurrentVersion\ProfileList]

[\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-18]
"ProfileImagePath"=str(2):"%systemroot%\\system32\\config\\systemprofile"

[\Microsoft\Windows NT\CurrentVersion\ProfileList\` + aliceSID + `]
"ProfileImagePath"=str(2):"C:\\Users\\alice"
`

// TestBAMUsersNamedByProfileList: BAM names alice by SID; with SOFTWARE's
// ProfileList the record names her, whichever hive is read first; without
// a SOFTWARE hive the SID stays once the walk ends.
func TestBAMUsersNamedByProfileList(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3")
	dir := testutil.Fixture(t, "winexec.sh")
	const system, software = "Windows/System32/config/SYSTEM", "Windows/System32/config/SOFTWARE"
	noSoftware := collecttest.ImageEnv(os.DirFS(dir), "windows")
	bare := bamUsers(t, collecttest.Run(t, noSoftware, execart.NewRegistry()).Artifacts)

	tmpl := filepath.Join(testutil.RepoRoot(t), "internal/collect/software/windows/testdata/minimal.hive")
	hive := filepath.Join(dir, software)
	reg := filepath.Join(t.TempDir(), "profiles.reg")
	copyFile(t, tmpl, hive)
	if err := os.WriteFile(reg, []byte(profileListReg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("hivexregedit", "--merge", hive, reg).CombinedOutput(); err != nil {
		t.Fatalf("hivexregedit: %v\n%s", err, out)
	}
	env := collecttest.ImageEnv(os.DirFS(dir), "windows")
	walked := bamUsers(t, collecttest.Run(t, env, execart.NewRegistry()).Artifacts)

	// SYSTEM before SOFTWARE: BAM waits for the names.
	r, sink := execart.NewRegistry(), &collecttest.Sink{}
	ctx := context.Background()
	if err := r.CollectPath(ctx, env, system, sink); err != nil {
		t.Fatal(err)
	}
	early := len(bamUsers(t, sink.Artifacts))
	if err := r.CollectPath(ctx, env, software, sink); err != nil {
		t.Fatal(err)
	}
	late := bamUsers(t, sink.Artifacts)

	for _, c := range []struct {
		name string
		got  []string
		want string
	}{{"no SOFTWARE", bare, aliceSID}, {"walked", walked, "alice"}, {"SYSTEM first", late, "alice"}} {
		if len(c.got) == 0 {
			t.Errorf("%s: no BAM records", c.name)
		}
		for _, u := range c.got {
			if u != c.want {
				t.Errorf("%s: BAM user %q, want %q", c.name, u, c.want)
			}
		}
	}
	if early != 0 {
		t.Errorf("%d BAM records emitted before the names were read", early)
	}
}

func bamUsers(t *testing.T, arts []snapshot.Artifact) []string {
	t.Helper()
	var users []string
	for _, a := range arts {
		if a.Kind == snapshot.ArtifactBAM {
			users = append(users, a.User)
		}
	}
	return users
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
