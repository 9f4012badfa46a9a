package match

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// contextSet compiles the test intel with the two 3CX install files (n1:
// ffmpeg.dll, p1: d3dcompiler_47.dll) tagged as context, as the built-in
// pack tags them.
func contextSet(t *testing.T) *Set {
	t.Helper()
	in := testIntel(t)
	for i := range in.Indicators {
		if id := in.Indicators[i].ID; id == "n1" || id == "p1" {
			in.Indicators[i].Tags = append(in.Indicators[i].Tags, intel.TagContext)
		}
	}
	s, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func threeCXHost(ver string) *snapshot.Snapshot {
	installed := time.Date(2023, 3, 8, 0, 0, 0, 0, time.UTC)
	dll := time.Date(2023, 3, 7, 9, 30, 0, 0, time.UTC)
	app := `C:\Users\alice\AppData\Local\Programs\3CXDesktopApp\app\`
	return &snapshot.Snapshot{Host: snapshot.Host{Name: "wks", CollectedAt: at},
		Software: []snapshot.Software{{Name: "3CX Desktop App", Version: ver, Platform: "windows", Ecosystem: "windows",
			Source: `registry:HKU\alice\…\Uninstall\3CXDesktopApp`, InstallDate: &installed, InstallDateFrom: "registry InstallDate"}},
		Files: []snapshot.File{
			{Path: app + "ffmpeg.dll", SHA256: "00" + "11223344556677889900112233445566778899001122334455667788990011", ModTime: dll},
			{Path: app + "d3dcompiler_47.dll", ModTime: dll.Add(time.Minute)},
		}}
}

func TestContextAloneStaysBelowNotice(t *testing.T) {
	fs := contextSet(t).Match(threeCXHost("18.12.422"))
	for _, f := range fs {
		if f.Score >= finding.Corroborated {
			t.Errorf("fixed 3CX install: %q scores %d, want < %d", f.Title, f.Score, finding.Corroborated)
		}
		if !f.ContextOnly() {
			t.Errorf("fixed 3CX install: %q has non-context reasons %v", f.Title, ids(f))
		}
	}
	if len(fs) != 2 {
		t.Errorf("got %d findings, want the 2 context files kept (below the threshold)", len(fs))
	}
}

func TestContextJoinsCorroboratedFinding(t *testing.T) {
	fs := contextSet(t).Match(threeCXHost("18.12.416"))
	if len(fs) != 1 {
		for _, f := range fs {
			t.Logf("finding %q score %d reasons %v", f.Title, f.Score, ids(f))
		}
		t.Fatalf("got %d findings, want one: the affected install with both files as context", len(fs))
	}
	f := fs[0]
	if f.Score != 85 || f.Evidence.Kind != finding.EvidenceSoftware || len(f.Context) != 2 {
		t.Fatalf("finding: score %d, evidence %s, %d context entries", f.Score, f.Evidence.Kind, len(f.Context))
	}
	paths := map[string]bool{}
	for _, c := range f.Context {
		paths[baseName(c.Evidence.Path)] = true
		if len(c.Reasons) == 0 || !c.Reasons[0].Context {
			t.Errorf("context %s: reasons %+v", c.Evidence.Path, c.Reasons)
		}
	}
	if !paths["ffmpeg.dll"] || !paths["d3dcompiler_47.dll"] {
		t.Errorf("context files = %v", paths)
	}
	// The DLL's mtime is earlier than the registry's day-precision date.
	if want := time.Date(2023, 3, 7, 9, 30, 0, 0, time.UTC); !f.ExposedSince.Equal(want) || f.ExposedBy != "file modified" {
		t.Errorf("exposed since %v by %q, want %v by file modified", f.ExposedSince, f.ExposedBy, want)
	}
	if !f.FirstSeen.Equal(at) {
		t.Errorf("first seen by cascade %v, want the scan time %v", f.FirstSeen, at)
	}
}

// A stronger reason without an incident (a signature anomaly) must not
// take a finding out of its incident.
func TestStrongerReasonKeepsIncident(t *testing.T) {
	s := contextSet(t)
	padded := snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`,
		Anomalies: []snapshot.Anomaly{{Kind: "signature-padding", Detail: "4,096 bytes after the PKCS#7 blob"}}}
	f, ok := s.FileFinding("h", &padded, at)
	if !ok || f.Score != 70 {
		t.Fatalf("padded file: ok %v score %d", ok, f.Score)
	}
	if f.Incident == nil || f.Incident.ID != "3cx-2023" {
		t.Fatalf("incident = %+v, want 3cx-2023", f.Incident)
	}
	if f.Remediation == "" {
		t.Error("the incident's remediation is missing")
	}
	if f.ContextOnly() {
		t.Error("a finding with an anomaly is context only")
	}
}

func TestContextScoreCapped(t *testing.T) {
	in := testIntel(t)
	for i := range in.Indicators {
		if in.Indicators[i].ID == "n2" { // evil.exe, score 70
			in.Indicators[i].Tags = []string{intel.TagContext}
		}
	}
	s, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := s.FileFinding("h", &snapshot.File{Path: `C:\Temp\evil.exe`}, at)
	if !ok || f.Score >= finding.Corroborated {
		t.Errorf("context indicator scored %d (ok %v), want below %d", f.Score, ok, finding.Corroborated)
	}
}

func TestExposedSinceFromArtifactTime(t *testing.T) {
	s := compile(t)
	start := time.Date(2022, 4, 12, 14, 3, 27, 0, time.UTC)
	a := snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, Browser: "chrome",
		URL: "https://download.tradingtechnologies.com/X_TRADER_r7.17.90p608.exe", FirstSeen: &start}
	f, ok := s.ArtifactFinding("h", &a, at)
	if !ok {
		t.Fatal("no finding")
	}
	if !f.ExposedSince.Equal(start) || f.ExposedBy != "chrome download time" || !f.FirstSeen.Equal(at) {
		t.Errorf("exposed since %v by %q, first seen %v", f.ExposedSince, f.ExposedBy, f.FirstSeen)
	}
}
