package reach

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// Recorded from `ssh-keygen -H -f known_hosts` (OpenSSH_9.2p1 Debian-2+deb12u6)
// over the two lines of testKnownHosts; the salts are random, so the
// entries are test data, checked again live by TestMatchesHashedSSHKeygen.
const (
	hashedBuild = "|1|aCRcjnrhsUc4PK0M1KCebtGeDFo=|WBXgJG3BYbiU44l5Abn0jEWW2fk=" // build-win-02.corp.example
	hashedPort  = "|1|bhgklnbx+GiMeGpuHUeG13katiQ=|F4JsbF2zDexPvQUo5QO5fyynXMQ=" // [10.20.0.5]:2222
)

const testKey = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

func TestMatchesHashed(t *testing.T) {
	for _, c := range []struct {
		entry, host string
		want        bool
	}{
		{hashedBuild, "build-win-02.corp.example", true},
		{hashedBuild, "BUILD-WIN-02.corp.example", true}, // ssh looks names up in lower case
		{hashedBuild, "build-win-03.corp.example", false},
		{hashedBuild, "[build-win-02.corp.example]:22", false},
		{hashedPort, "[10.20.0.5]:2222", true},
		{hashedPort, "10.20.0.5", false},
		{"build-win-02.corp.example", "build-win-02.corp.example", false}, // not hashed
		{"|1|aCRcjnrhsUc4PK0M1KCebtGeDFo=", "build-win-02.corp.example", false},
		{"|1|!!!|WBXgJG3BYbiU44l5Abn0jEWW2fk=", "build-win-02.corp.example", false},
		{"|2|aCRcjnrhsUc4PK0M1KCebtGeDFo=|WBXgJG3BYbiU44l5Abn0jEWW2fk=", "build-win-02.corp.example", false},
		{"|1|aCRc|WBXgJG3BYbiU44l5Abn0jEWW2fk=", "build-win-02.corp.example", false}, // short salt
	} {
		if got := MatchesHashed(c.entry, c.host); got != c.want {
			t.Errorf("MatchesHashed(%q, %q) = %v, want %v", c.entry, c.host, got, c.want)
		}
	}
}

// TestMatchesHashedSSHKeygen hashes fresh names with the installed
// ssh-keygen (Debian openssh-client) and checks MatchesHashed agrees.
func TestMatchesHashedSSHKeygen(t *testing.T) {
	testutil.NeedTools(t, "ssh-keygen")
	hosts := []string{"db01.example.test", "[192.0.2.7]:2200", "2001:db8::5", "[jump.example.test]:443"}
	f := filepath.Join(t.TempDir(), "known_hosts")
	var b strings.Builder
	for _, h := range hosts {
		b.WriteString(h + " ssh-ed25519 " + testKey + "\n")
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
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(hosts) {
		t.Fatalf("ssh-keygen wrote %d lines, want %d", len(lines), len(hosts))
	}
	for i, l := range lines {
		entry := strings.Fields(l)[0]
		if !MatchesHashed(entry, hosts[i]) {
			t.Errorf("%s does not match %s", entry, hosts[i])
		}
		if MatchesHashed(entry, hosts[(i+1)%len(hosts)]) {
			t.Errorf("%s matches %s", entry, hosts[(i+1)%len(hosts)])
		}
	}
}
