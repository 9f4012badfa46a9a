package windows

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHostInfoFixture(t *testing.T) {
	_, env := fixtureImage(t)
	got, err := HostInfo(env.FS)
	if err != nil {
		t.Fatal(err)
	}
	want := HostFacts{ComputerName: "WKS-FIN-07", ProductName: "Windows 10 Pro", DisplayVersion: "22H2",
		CurrentBuild: "19045", UBR: 3803, Arch: "x64"}
	if got != want {
		t.Errorf("HostInfo = %+v, want %+v", got, want)
	}
	if v := got.OSVersion(); v != "Windows 10 Pro 22H2 (build 19045.3803)" {
		t.Errorf("OSVersion = %q", v)
	}
}

// TestHostInfoControlSet switches Select\Current to the fixture's second
// control set, whose computer name differs.
func TestHostInfoControlSet(t *testing.T) {
	dir, env := fixtureImage(t)
	reg := filepath.Join(t.TempDir(), "select.reg")
	if err := os.WriteFile(reg, []byte("[\\Select]\n\"Current\"=dword:00000002\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hive := filepath.Join(dir, "Windows/System32/config/SYSTEM")
	if out, err := exec.Command("hivexregedit", "--merge", hive, reg).CombinedOutput(); err != nil {
		t.Fatalf("hivexregedit: %v\n%s", err, out)
	}
	got, err := HostInfo(env.FS)
	if err != nil {
		t.Fatal(err)
	}
	if got.ComputerName != "WKS-FIN-07-OLD" {
		t.Errorf("ComputerName = %q, want the ControlSet002 name", got.ComputerName)
	}
}

// TestHostInfoPartial: folder names in another case are found; a missing
// SYSTEM hive is an error but the SOFTWARE facts still come back; a corrupt
// hive is an error, not a panic.
func TestHostInfoPartial(t *testing.T) {
	soft := []byte(readFile(t, "testdata/seed/software.hive"))
	sys := []byte(readFile(t, "testdata/seed/system.hive"))
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		product  string
		computer string
		errWant  string
	}{
		{"upper-case folders", fstest.MapFS{
			"WINDOWS/system32/CONFIG/software": {Data: soft},
			"WINDOWS/system32/CONFIG/system":   {Data: sys},
		}, "Windows 10 Pro", "WKS-FIN-07", ""},
		{"no SYSTEM", fstest.MapFS{softwareRel: {Data: soft}}, "Windows 10 Pro", "", "SYSTEM"},
		{"corrupt SYSTEM", fstest.MapFS{softwareRel: {Data: soft}, systemHivePath: {Data: sys[:hbinStart+64]}},
			"Windows 10 Pro", "", "truncated"},
		{"SYSTEM given as SOFTWARE", fstest.MapFS{softwareRel: {Data: sys}, systemHivePath: {Data: sys}},
			"", "WKS-FIN-07", `Windows NT\CurrentVersion`},
		{"empty", fstest.MapFS{}, "", "", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HostInfo(tt.fsys)
			if got.ProductName != tt.product || got.ComputerName != tt.computer {
				t.Errorf("got %+v, want product %q computer %q", got, tt.product, tt.computer)
			}
			switch {
			case tt.errWant == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.errWant != "" && (err == nil || !strings.Contains(err.Error(), tt.errWant)):
				t.Errorf("error %v, want one mentioning %q", err, tt.errWant)
			}
		})
	}
}

func TestOSVersion(t *testing.T) {
	tests := []struct {
		f    HostFacts
		want string
	}{
		{HostFacts{ProductName: "Windows 10 Pro", DisplayVersion: "22H2", CurrentBuild: "19045", UBR: 3803}, "Windows 10 Pro 22H2 (build 19045.3803)"},
		{HostFacts{ProductName: "Windows 10 Enterprise", DisplayVersion: "23H2", CurrentBuild: "22631"}, "Windows 11 Enterprise 23H2 (build 22631)"},
		{HostFacts{ProductName: "Windows Server 2022 Standard", CurrentBuild: "20348"}, "Windows Server 2022 Standard (build 20348)"},
		{HostFacts{}, ""},
	}
	for _, tt := range tests {
		if got := tt.f.OSVersion(); got != tt.want {
			t.Errorf("OSVersion(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}
