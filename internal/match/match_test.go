package match

import (
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

var at = time.Date(2023, 4, 1, 12, 0, 0, 0, time.UTC)

func testIntel(t *testing.T) *intel.Intel {
	t.Helper()
	in := &intel.Intel{
		Sources:   []intel.Source{{ID: "test", Name: "test intel", Kind: "cascade"}},
		Incidents: []intel.Incident{{ID: "3cx-2023", Name: "3CX DesktopApp compromise", Actors: []string{"unc4736"}, Remediation: "Uninstall; install 18.12.422 or later."}},
		Actors:    []intel.Actor{{ID: "unc4736", Name: "UNC4736"}},
		Indicators: []intel.Indicator{
			{ID: "h1", Type: intel.SHA256, Value: "59E1EDF4D82FAE4978E97512B0331B7EB21DD4B838B850BA46794D9C7A2C0983", Score: 100, Incident: "3cx-2023", Description: "3cxdesktopapp-18.12.416.msi", Sources: []string{"test"}},
			{ID: "n1", Type: intel.Filename, Value: `\\3CXDesktopApp\\app\\ffmpeg\.dll$`, Score: 40, Incident: "3cx-2023", Description: "ffmpeg.dll in a 3CX install", Sources: []string{"test"}},
			{ID: "n2", Type: intel.Filename, Value: `evil\.exe$`, FalsePositive: `\\Windows\\`, Score: 70, Sources: []string{"test"}},
			{ID: "p1", Type: intel.Path, Value: `%LOCALAPPDATA%\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`, Score: 40, Incident: "3cx-2023", Sources: []string{"test"}},
			{ID: "p2", Type: intel.Path, Value: `C:\ProgramData\TPM\`, Score: 60, Sources: []string{"test"}},
			{ID: "p3", Type: intel.Path, Value: `~/Library/Application Support/3CX Desktop App/UpdateAgent`, Score: 90, Sources: []string{"test"}},
			{ID: "d1", Type: intel.Domain, Value: "msstorageboxes.com", Score: 80, Incident: "3cx-2023", Sources: []string{"test"}},
			{ID: "d2", Type: intel.Domain, Value: "avsvmcloud.com", Score: 80, Sources: []string{"test"}},
			{ID: "u1", Type: intel.URL, Value: "https://raw.githubusercontent.com/IconStorages/images/main/icon%d.ico", Score: 75, Incident: "3cx-2023", Sources: []string{"test"}},
			{ID: "u2", Type: intel.URL, Value: "download.tradingtechnologies.com", Score: 45, Sources: []string{"test"}},
			{ID: "i1", Type: intel.IP, Value: "159.148.186.228", Score: 70, Sources: []string{"test"}},
			{ID: "i2", Type: intel.IP, Value: "10.99.0.0/16", Score: 50, Sources: []string{"test"}},
			{ID: "old", Type: intel.Domain, Value: "expired.example.org", Score: 90, ValidUntil: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Sources: []string{"test"}},
			{ID: "s1", Type: intel.Signer, Signer: &intel.SignerSpec{Subject: "3CX Ltd", SignedAfter: time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC), SignedBefore: time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)}, Score: 60, Incident: "3cx-2023", Sources: []string{"test"}},
		},
		Advisories: []intel.Advisory{{
			ID: "adv-3cx", Incident: "3cx-2023", Title: "trojanized 3CX release", Product: "3CX Desktop App",
			Aliases: []string{"3CXDesktopApp", "com.electron.3cx-desktop-app"}, Score: 85, Sources: []string{"test"},
			Affected: []intel.Affected{
				{Platform: "windows", Versions: []string{"18.12.407", "18.12.416"}, Fixed: "18.12.422"},
				{Platform: "macos", Versions: []string{"18.11.1213", "18.12.402", "18.12.407", "18.12.416"}, Fixed: "18.12.422"},
			},
		}, {
			ID: "adv-xz", Title: "backdoored xz", Product: "xz-utils", Aliases: []string{"liblzma5"}, Score: 85, Sources: []string{"test"},
			Affected: []intel.Affected{{Ecosystem: "dpkg", Ranges: []intel.Range{{Introduced: "5.6.0", Fixed: "5.6.2"}}}},
		}, {
			ID: "adv-range", Title: "bad tool", Product: "Range Tool", Score: 85, Sources: []string{"test"},
			Affected: []intel.Affected{{Platform: "windows", Ranges: []intel.Range{{Introduced: "1", Fixed: "2.0"}}}},
		}, {
			ID: "adv-list", Title: "listed by mistake", Product: "List Tool", Score: 85, Sources: []string{"test"},
			Affected: []intel.Affected{{Platform: "windows", Versions: []string{"3.1", "3.2"}, Fixed: "3.2"}},
		}},
	}
	if err := in.Validate(); err != nil {
		t.Fatalf("test intel invalid: %v", err)
	}
	return in
}

func compile(t *testing.T) *Set {
	t.Helper()
	s, err := Compile(testIntel(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(f finding.Finding) []string {
	var out []string
	for _, r := range f.Reasons {
		out = append(out, r.IndicatorID)
	}
	return out
}

func TestFileFinding(t *testing.T) {
	s := compile(t)
	yes, no := true, false
	tests := []struct {
		name  string
		file  snapshot.File
		want  []string
		score int
	}{
		{"sha256 any case", snapshot.File{Path: `C:\Users\a\Downloads\setup.msi`, SHA256: "59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983"}, []string{"h1"}, 100},
		{"filename regex", snapshot.File{Path: `C:\Users\alice\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`}, []string{"n1"}, 40},
		{"ffmpeg elsewhere", snapshot.File{Path: `C:\Program Files\VLC\ffmpeg.dll`}, nil, 0},
		{"false positive regex", snapshot.File{Path: `C:\Windows\evil.exe`}, nil, 0},
		{"filename hit", snapshot.File{Path: `C:\Temp\evil.exe`}, []string{"n2"}, 70},
		{"path placeholder", snapshot.File{Path: `D:\Users\bob\AppData\Local\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`}, []string{"p1"}, 40},
		{"directory path", snapshot.File{Path: `C:\ProgramData\TPM\TpmVscMgrSvr.exe`}, []string{"p2"}, 60},
		{"directory itself no", snapshot.File{Path: `C:\ProgramData\TPMx`}, nil, 0},
		{"home path", snapshot.File{Path: `/Users/carol/Library/Application Support/3CX Desktop App/UpdateAgent`}, []string{"p3"}, 90},
		{"strongest wins, not sum", snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`, SHA256: "59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983"}, []string{"h1", "n1"}, 100},
		{"signer in window", snapshot.File{Path: "/x", Signatures: []snapshot.Signature{{Signer: &snapshot.Certificate{CommonName: "3CX Ltd", Subject: "CN=3CX Ltd,O=3CX Ltd"}, Timestamp: &snapshot.Timestamp{Time: time.Date(2023, 3, 13, 0, 0, 0, 0, time.UTC), Verified: &yes}}}}, []string{"s1"}, 60},
		{"signer with unverified timestamp", snapshot.File{Path: "/x", Signatures: []snapshot.Signature{{Signer: &snapshot.Certificate{CommonName: "3CX Ltd"}, Timestamp: &snapshot.Timestamp{Time: time.Date(2023, 3, 13, 0, 0, 0, 0, time.UTC), Verified: &no}}}}, nil, 0},
		{"signer outside window", snapshot.File{Path: "/x", Signatures: []snapshot.Signature{{Signer: &snapshot.Certificate{CommonName: "3CX Ltd"}, Timestamp: &snapshot.Timestamp{Time: time.Date(2021, 3, 13, 0, 0, 0, 0, time.UTC)}}}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := s.FileFinding("h", &tt.file, at)
			if ok != (tt.want != nil) {
				t.Fatalf("matched = %v, want %v (%v)", ok, tt.want != nil, ids(f))
			}
			if !ok {
				return
			}
			if got := ids(f); len(got) != len(tt.want) || got[0] != tt.want[0] {
				t.Errorf("reasons = %v, want %v", got, tt.want)
			}
			if f.Score != tt.score {
				t.Errorf("score = %d, want %d", f.Score, tt.score)
			}
		})
	}
}

func TestArtifactFinding(t *testing.T) {
	s := compile(t)
	tests := []struct {
		name  string
		a     snapshot.Artifact
		want  []string
		score int
	}{
		{"c2 visit", snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "https://msstorageboxes.com/x"}, []string{"d1"}, 80},
		{"subdomain", snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "abc.appsync-api.eu-west-1.AVSVMCLOUD.com"}, []string{"d2"}, 80},
		{"lookalike is not subdomain", snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "notavsvmcloud.com"}, nil, 0},
		{"icon url", snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "https://raw.githubusercontent.com/IconStorages/images/main/icon13.ico"}, []string{"u1"}, 75},
		{"same host other repo", snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "https://raw.githubusercontent.com/someone/other/main/readme.md"}, nil, 0},
		{"host-only url indicator", snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://download.tradingtechnologies.com/X_TRADER_r7.17.90p608.exe"}, []string{"u2"}, 45},
		{"sinkholed hosts entry", snapshot.Artifact{Kind: snapshot.ArtifactHostsEntry, Domain: "msstorageboxes.com", IP: "0.0.0.0"}, []string{"d1"}, 40},
		{"redirected hosts entry", snapshot.Artifact{Kind: snapshot.ArtifactHostsEntry, Domain: "msstorageboxes.com", IP: "203.0.113.9"}, []string{"d1"}, 80},
		{"ip", snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "http://159.148.186.228/download/jsextension", IP: "159.148.186.228"}, []string{"i1"}, 70},
		{"cidr", snapshot.Artifact{Kind: snapshot.ArtifactHostsEntry, Domain: "intranet.example", IP: "10.99.3.4"}, []string{"i2"}, 50},
		{"download saved under a listed name", snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://example.net/x", TargetPath: `C:\Users\a\Downloads\evil.exe`}, []string{"n2"}, 70},
		{"expired indicator", snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "expired.example.org"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := s.ArtifactFinding("h", &tt.a, at)
			if ok != (tt.want != nil) {
				t.Fatalf("matched = %v, want %v (%v)", ok, tt.want != nil, ids(f))
			}
			if ok && (ids(f)[0] != tt.want[0] || f.Score != tt.score) {
				t.Errorf("got %v score %d, want %v score %d", ids(f), f.Score, tt.want, tt.score)
			}
		})
	}
}

func TestSoftwareFinding(t *testing.T) {
	s := compile(t)
	tests := []struct {
		name string
		sw   snapshot.Software
		want bool
	}{
		{"3cx 416 windows", snapshot.Software{Name: "3CX Desktop App", Version: "18.12.416", Platform: "windows", Ecosystem: "windows"}, true},
		{"3cx 416 with build suffix", snapshot.Software{Name: "3CXDesktopApp", Version: "18.12.416.0", Platform: "windows", Ecosystem: "windows"}, true},
		{"3cx fixed 422", snapshot.Software{Name: "3CX Desktop App", Version: "18.12.422", Platform: "windows", Ecosystem: "windows"}, false},
		{"3cx mac by bundle id", snapshot.Software{Name: "3CX Desktop App", Identifier: "com.electron.3cx-desktop-app", Version: "18.11.1213", Platform: "macos", Ecosystem: "macos-app"}, true},
		{"mac-only version on windows", snapshot.Software{Name: "3CX Desktop App", Version: "18.11.1213", Platform: "windows", Ecosystem: "windows"}, false},
		{"xz dpkg 5.6.1-1", snapshot.Software{Name: "liblzma5", Version: "5.6.1-1", Platform: "linux", Ecosystem: "dpkg"}, true},
		{"xz dpkg really-downgrade", snapshot.Software{Name: "xz-utils", Version: "5.6.1+really5.4.5-1", Platform: "linux", Ecosystem: "dpkg"}, false},
		{"xz dpkg 5.4.5", snapshot.Software{Name: "xz-utils", Version: "5.4.5-0.3", Platform: "linux", Ecosystem: "dpkg"}, false},
		{"xz via source package", snapshot.Software{Name: "xzdec", SourcePackage: "xz-utils", Version: "5.6.0-0.2", Platform: "linux", Ecosystem: "dpkg"}, true},
		{"xz wrong ecosystem", snapshot.Software{Name: "xz-utils", Version: "5.6.1", Platform: "linux", Ecosystem: "apk"}, false},
		{"xz dpkg equal to fixed", snapshot.Software{Name: "xz-utils", Version: "5.6.2-1", Platform: "linux", Ecosystem: "dpkg"}, false},
		{"xz dpkg just below fixed", snapshot.Software{Name: "xz-utils", Version: "5.6.1.9-1", Platform: "linux", Ecosystem: "dpkg"}, true},
		{"windows range: fixed 2.0 written 2", snapshot.Software{Name: "Range Tool", Version: "2", Platform: "windows", Ecosystem: "windows"}, false},
		{"windows range: fixed 2.0 written 2.0.0.0", snapshot.Software{Name: "Range Tool", Version: "2.0.0.0", Platform: "windows", Ecosystem: "windows"}, false},
		{"windows range: introduced 1 written 1.0", snapshot.Software{Name: "Range Tool", Version: "1.0", Platform: "windows", Ecosystem: "windows"}, true},
		{"windows range: 1.9", snapshot.Software{Name: "Range Tool", Version: "1.9", Platform: "windows", Ecosystem: "windows"}, true},
		{"listed version", snapshot.Software{Name: "List Tool", Version: "3.1", Platform: "windows", Ecosystem: "windows"}, true},
		{"listed but equal to fixed", snapshot.Software{Name: "List Tool", Version: "3.2.0", Platform: "windows", Ecosystem: "windows"}, false},
		{"unrelated", snapshot.Software{Name: "7-Zip", Version: "18.12.416", Platform: "windows", Ecosystem: "windows"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := s.SoftwareFinding("h", &tt.sw, at)
			if ok != tt.want {
				t.Fatalf("matched = %v, want %v", ok, tt.want)
			}
			if ok && f.Level != finding.Alert {
				t.Errorf("level %s, want alert", f.Level)
			}
		})
	}
}

func TestMatchSnapshotContext(t *testing.T) {
	s := compile(t)
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "wks", CollectedAt: at},
		Software: []snapshot.Software{{Name: "3CX Desktop App", Version: "18.12.416", Platform: "windows", Ecosystem: "windows", User: "alice"}},
		Files:    []snapshot.File{{Path: `C:\Temp\evil.exe`}}}
	fs := s.Match(snap)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	top := fs[0]
	if top.Score != 85 || top.Remediation == "" || top.Incident == nil || top.Incident.Name != "3CX DesktopApp compromise" ||
		len(top.Incident.Actors) != 1 || top.Incident.Actors[0] != "UNC4736" || top.Evidence.User != "alice" {
		t.Errorf("top finding = %+v", top)
	}
	again := s.Match(snap)
	if again[0].ID != top.ID {
		t.Errorf("finding id not stable: %s vs %s", again[0].ID, top.ID)
	}
}

func TestBulkHashList(t *testing.T) {
	in := testIntel(t)
	hl := intel.NewHashList(intel.MD5, "bulk")
	hl.Incident = "3cx-2023"
	if err := hl.Add("74bc2d0b6680faa1a5a76b27e5479cbc", 90, "ffmpeg.dll", 1); err != nil {
		t.Fatal(err)
	}
	hl.Seal()
	in.HashLists = append(in.HashLists, hl)
	s, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Needs().MD5 || !s.Needs().SHA256 || s.Needs().SHA1 {
		t.Errorf("needs = %+v", s.Needs())
	}
	f, ok := s.FileFinding("h", &snapshot.File{Path: "/x", MD5: "74bc2d0b6680faa1a5a76b27e5479cbc"}, at)
	if !ok || f.Score != 90 || f.Reasons[0].Description != "ffmpeg.dll" || f.Incident.ID != "3cx-2023" {
		t.Errorf("bulk finding = %+v, %v", f, ok)
	}
}

func TestSignerSerialForms(t *testing.T) {
	tests := []struct {
		spec, cert string
		want       bool
	}{
		{"1b6611df9c9a4d6ecc8ed50c9b917873", "1b6611df9c9a4d6ecc8ed50c9b917873", true},
		{"1B:66:11:DF:9C:9A:4D:6E:CC:8E:D5:0C:9B:91:78:73", "1b6611df9c9a4d6ecc8ed50c9b917873", true},
		{"00 85 38 A6 C5 01 8F 50 FC", "8538a6c5018f50fc", true},
		{"21150566861557194870231784728595120365", "0fe973752022a606adf2a36e345dc0ed", true},
		{"0fe973752022a606adf2a36e345dc0ee", "0fe973752022a606adf2a36e345dc0ed", false},
	}
	for _, tt := range tests {
		sig := snapshot.Signature{Signer: &snapshot.Certificate{Serial: tt.cert}}
		if got, why := MatchSigner(intel.SignerSpec{Serial: tt.spec}, sig); got != tt.want {
			t.Errorf("serial %q vs %q = %v (%s)", tt.spec, tt.cert, got, why)
		}
	}
}

func TestAnomalyFindings(t *testing.T) {
	s := compile(t)
	padded := snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`,
		Anomalies: []snapshot.Anomaly{{Kind: "signature-padding", Detail: "4,096 bytes after the PKCS#7 blob"}}}
	f, ok := s.FileFinding("h", &padded, at)
	if !ok || f.Score != 70 || f.Level != finding.Warning || f.Reasons[0].Kind != "signature-padding" ||
		f.Reasons[0].Description != "4,096 bytes after the PKCS#7 blob" {
		t.Fatalf("padded file: %+v", f)
	}
	if !strings.Contains(f.Title, "padding") {
		t.Errorf("title %q does not explain the anomaly", f.Title)
	}
	plain := snapshot.File{Path: "/x", Anomalies: []snapshot.Anomaly{{Kind: "expired-no-timestamp", Detail: "d"}}}
	if f, _ := s.FileFinding("h", &plain, at); f.Score != 40 {
		t.Errorf("expired-no-timestamp score %d, want 40", f.Score)
	}
	if _, ok := s.FileFinding("h", &snapshot.File{Path: "/clean"}, at); ok {
		t.Error("a file without anomalies or indicators is a finding")
	}
}

func TestInstallerRecognisedByContent(t *testing.T) {
	s := compile(t)
	msi := snapshot.File{Path: `C:\Users\dave\Downloads\setup (1).msi`, Type: snapshot.TypeMSI, Meta: map[string]string{
		"msi.product_name": "3CX Desktop App", "msi.product_version": "18.12.416", "msi.manufacturer": "3CX Ltd"}}
	f, ok := s.FileFinding("h", &msi, at)
	if !ok || f.Score != 85 || f.Reasons[0].Kind != "advisory" || !strings.Contains(f.Title, "setup (1).msi is an installer of 3CX Desktop App 18.12.416") {
		t.Fatalf("finding = %+v", f)
	}
	msi.Meta["msi.product_version"] = "18.12.422"
	if _, ok := s.FileFinding("h", &msi, at); ok {
		t.Error("the fixed version's installer is a finding")
	}
}

// TestSignerReasonNamesSigner: a signer indicator has no value, so its
// reason must name the certificate that matched, not print nothing.
func TestSignerReasonNamesSigner(t *testing.T) {
	s := compile(t)
	yes := true
	f := snapshot.File{Path: "/x", Signatures: []snapshot.Signature{{
		Signer:    &snapshot.Certificate{CommonName: "3CX Ltd", Subject: "CN=3CX Ltd,O=3CX Ltd", Serial: "1001"},
		Timestamp: &snapshot.Timestamp{Time: time.Date(2023, 3, 13, 0, 0, 0, 0, time.UTC), Verified: &yes}}}}
	got, ok := s.FileFinding("h", &f, at)
	if !ok || len(got.Reasons) != 1 {
		t.Fatalf("finding %v, want the signer reason", ids(got))
	}
	if m := got.Reasons[0].Matched; m != "CN=3CX Ltd,O=3CX Ltd, serial 1001" {
		t.Errorf("signer reason matched %q, want the certificate's subject and serial", m)
	}
}
