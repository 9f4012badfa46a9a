package reach

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// userReg is a user hive's reach keys, as hivexregedit merges them.
const userReg = `[\Software]

[\Software\Microsoft]

[\Software\Microsoft\Terminal Server Client]

[\Software\Microsoft\Terminal Server Client\Default]
"MRU0"=str(1):"build-win-02.corp.example"
"MRU1"=str(1):"10.20.0.7:3390"
"MRU10"=str(1):"old-host"
"Other"=str(1):"not-an-mru"

[\Software\Microsoft\Terminal Server Client\Servers]

[\Software\Microsoft\Terminal Server Client\Servers\build-win-02.corp.example]
"UsernameHint"=str(1):"CORP\\alice.adm"

[\Software\SimonTatham]

[\Software\SimonTatham\PuTTY]

[\Software\SimonTatham\PuTTY\Sessions]

[\Software\SimonTatham\PuTTY\Sessions\Default%20Settings]
"HostName"=str(1):""

[\Software\SimonTatham\PuTTY\Sessions\jump%20box]
"HostName"=str(1):"ops@jump.corp.example"
"PortNumber"=dword:00000816

[\Software\SimonTatham\PuTTY\Sessions\db]
"HostName"=str(1):"10.20.0.9"
"PortNumber"=dword:00000016
"UserName"=str(1):"dba"

[\Software\SimonTatham\PuTTY\SshHostKeys]
"ssh-ed25519@2070:jump.corp.example"=str(1):"0x1,0x2"
"rsa2@22:10.20.0.9"=str(1):"0x3,0x4"
`

// Distinct last-write times, patched into the hive's key nodes.
var (
	tDefault = time.Date(2022, 12, 8, 9, 14, 0, 0, time.UTC)
	tServer  = time.Date(2022, 12, 1, 17, 30, 0, 0, time.UTC)
	tJump    = time.Date(2022, 11, 2, 8, 0, 0, 0, time.UTC)
	tDB      = time.Date(2022, 11, 3, 8, 0, 0, 0, time.UTC)
	tKeys    = time.Date(2022, 11, 4, 8, 0, 0, 0, time.UTC)
)

// userHive builds a hive holding reg from the Windows collector's empty
// template and sets the named keys' last-write times.
func userHive(t testing.TB, reg string, times map[string]time.Time) []byte {
	t.Helper()
	testutil.NeedTools(t, "hivexregedit")
	tmpl, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "internal/collect/software/windows/testdata/minimal.hive"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hive, regFile := filepath.Join(dir, "NTUSER.DAT"), filepath.Join(dir, "u.reg")
	os.WriteFile(hive, tmpl, 0o644)
	os.WriteFile(regFile, []byte(reg), 0o644)
	if out, err := exec.Command("hivexregedit", "--merge", hive, regFile).CombinedOutput(); err != nil {
		t.Fatalf("hivexregedit: %v\n%s", err, out)
	}
	data, err := os.ReadFile(hive)
	if err != nil {
		t.Fatal(err)
	}
	for name, when := range times {
		setLastWrite(t, data, name, when)
	}
	return data
}

// setLastWrite writes when into the key node named name (a compressed,
// ASCII name): its LastWriteTime is 4 bytes into the node, whose name
// starts 0x4c bytes in.
func setLastWrite(t testing.TB, data []byte, name string, when time.Time) {
	t.Helper()
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(name))
		if i < 0 {
			t.Fatalf("key node %q not found", name)
		}
		i += off
		nk := i - 0x4c
		if nk >= 0 && string(data[nk:nk+2]) == "nk" && int(binary.LittleEndian.Uint16(data[nk+0x48:])) == len(name) {
			ft := uint64(when.UnixNano()/100) + 116444736000000000 // 100 ns ticks since 1601
			binary.LittleEndian.PutUint64(data[nk+4:], ft)
			return
		}
		off = i + 1
	}
}

func at(t time.Time) *time.Time { return &t }

func TestRegistryCollector(t *testing.T) {
	data := userHive(t, userReg, map[string]time.Time{"Default": tDefault, "build-win-02.corp.example": tServer,
		"jump%20box": tJump, "db": tDB, "SshHostKeys": tKeys})
	fsys := fstest.MapFS{
		"Users/alice/NTUSER.DAT":  {Data: data},
		"Users/Public/NTUSER.DAT": {Data: data}, // a shared profile: not a user's
		"Users/bob/NTUSER.DAT":    {Data: []byte("regf but not a hive")},
	}
	sink := collecttest.Run(t, collecttest.ImageEnv(fsys, "windows"), NewRegistry())
	rdp := `registry:HKU\alice\Software\Microsoft\Terminal Server Client`
	putty := `registry:HKU\alice\Software\SimonTatham\PuTTY`
	kw := TimeKeyLastWrite
	want := []snapshot.Artifact{
		{Kind: "rdp-server", User: "alice", Source: rdp + `\Default`, Name: "MRU0", Host: "build-win-02.corp.example",
			Domain: "build-win-02.corp.example", LastSeen: at(tDefault), TimeFrom: kw},
		{Kind: "rdp-server", User: "alice", Source: rdp + `\Default`, Name: "MRU1", Host: "10.20.0.7:3390",
			IP: "10.20.0.7", Port: 3390, LastSeen: at(tDefault), TimeFrom: kw},
		{Kind: "rdp-server", User: "alice", Source: rdp + `\Default`, Name: "MRU10", Host: "old-host",
			Domain: "old-host", LastSeen: at(tDefault), TimeFrom: kw},
		{Kind: "rdp-server", User: "alice", Source: rdp + `\Servers\build-win-02.corp.example`, Name: "build-win-02.corp.example",
			Host: "build-win-02.corp.example", Domain: "build-win-02.corp.example", RemoteUser: `CORP\alice.adm`,
			LastSeen: at(tServer), TimeFrom: kw},
		{Kind: "putty-session", User: "alice", Source: putty + `\Sessions\db`, Name: "db", Host: "10.20.0.9", IP: "10.20.0.9",
			Port: 22, RemoteUser: "dba", LastSeen: at(tDB), TimeFrom: kw},
		{Kind: "putty-session", User: "alice", Source: putty + `\Sessions\jump%20box`, Name: "jump box", Host: "jump.corp.example",
			Domain: "jump.corp.example", Port: 2070, RemoteUser: "ops", LastSeen: at(tJump), TimeFrom: kw},
		{Kind: "ssh-known-host", User: "alice", Source: putty + `\SshHostKeys`, Name: "rsa2@22:10.20.0.9", Host: "10.20.0.9",
			IP: "10.20.0.9", Port: 22, LastSeen: at(tKeys), TimeFrom: kw},
		{Kind: "ssh-known-host", User: "alice", Source: putty + `\SshHostKeys`, Name: "ssh-ed25519@2070:jump.corp.example",
			Host: "jump.corp.example", Domain: "jump.corp.example", Port: 2070, LastSeen: at(tKeys), TimeFrom: kw},
	}
	sortArtifacts(sink.Artifacts)
	sortArtifacts(want)
	if !reflect.DeepEqual(sink.Artifacts, want) {
		t.Errorf("artifacts:\n%s\nwant:\n%s", dump(sink.Artifacts), dump(want))
	}
	if len(sink.Errors) != 1 || sink.Errors[0].Path != "Users/bob/NTUSER.DAT" {
		t.Errorf("errors %+v, want one for bob's corrupt hive", sink.Errors)
	}
}
