package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// jsonlFinding is the part of a JSON Lines finding the end-to-end tests read.
type jsonlFinding struct {
	Type      string `json:"type"`
	Errors    int    `json:"errors"`    // summary line
	Recovered int    `json:"recovered"` // summary line
	Title     string `json:"title"`
	Score     int    `json:"score"`
	Level     string `json:"level"`
	Incident  *struct {
		ID     string   `json:"id"`
		Actors []string `json:"actors"`
	} `json:"incident"`
	Evidence struct {
		Kind    string `json:"kind"`
		Path    string `json:"path"`
		SHA256  string `json:"sha256"`
		Product string `json:"product"`
		Version string `json:"version"`
		User    string `json:"user"`
		Source  string `json:"source"`
		URL     string `json:"url"`
		Time    string `json:"time"`
	} `json:"evidence"`
	Reasons []struct {
		Kind   string `json:"kind"`
		Source string `json:"source"`
	} `json:"reasons"`
	Remediation  string `json:"remediation"`
	ExposedSince string `json:"exposed_since"`
	ExposedBy    string `json:"exposed_by"`
	FirstSeen    string `json:"first_seen"`
	Host         string `json:"host"`
	Files        int    `json:"files"`
}

// scanJSONL scans root with the built-in packs plus extra intel files and
// returns the exit code, the findings and the summary line.
func scanJSONL(t *testing.T, root string, extra ...string) (int, []jsonlFinding, jsonlFinding) {
	t.Helper()
	args := []string{"scan", "--no-cache", "--format", "jsonl"}
	for _, x := range extra {
		args = append(args, "--intel", x)
	}
	code, out, errs := run(t, append(args, root)...)
	if code == 2 {
		t.Fatalf("scan %s failed: %s", root, errs)
	}
	var fs []jsonlFinding
	var sum jsonlFinding
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f jsonlFinding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if f.Type == "summary" {
			sum = f
		} else {
			fs = append(fs, f)
		}
	}
	return code, fs, sum
}

func findBy(fs []jsonlFinding, pred func(jsonlFinding) bool) *jsonlFinding {
	for i := range fs {
		if pred(fs[i]) {
			return &fs[i]
		}
	}
	return nil
}

// ownHashIntel writes a signature-base hash list carrying the digest of the
// fixture file at path, so the test's intel matches the fixture's own bytes.
func ownHashIntel(t *testing.T, path, comment string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	f := filepath.Join(t.TempDir(), "fixture-hash-iocs.txt")
	os.WriteFile(f, []byte(fmt.Sprintf("%s;100;%s\n", hex.EncodeToString(sum[:]), comment)), 0o644)
	return f
}

func TestEndToEndWindowsImage(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit")
	root := testutil.Fixture(t, "windows.sh")
	dll := filepath.Join(root, "Users/alice/AppData/Local/Programs/3CXDesktopApp/app/ffmpeg.dll")
	code, fs, sum := scanJSONL(t, root, ownHashIntel(t, dll, "trojanized ffmpeg.dll stand-in"))
	if code != 1 || sum.Host != "WKS-FIN-07" {
		t.Fatalf("exit %d host %q", code, sum.Host)
	}
	alice := findBy(fs, func(f jsonlFinding) bool { return f.Evidence.Kind == "software" && f.Evidence.User == "alice" })
	if alice == nil || alice.Level != "alert" || alice.Evidence.Version != "18.12.416" || alice.Incident.ID != "3cx-2023" ||
		!strings.HasPrefix(alice.Evidence.Source, `registry:HKU\alice\`) || !strings.Contains(alice.Remediation, "18.12.422") {
		t.Errorf("alice's 3CX 18.12.416: %+v", alice)
	}
	// carol's hive is dirty: her 3CX install is only in its transaction logs.
	carol := findBy(fs, func(f jsonlFinding) bool { return f.Evidence.Kind == "software" && f.Evidence.User == "carol" })
	if carol == nil || carol.Level != "alert" || carol.Evidence.Version != "18.12.407" || sum.Errors != 0 || sum.Recovered != 1 {
		t.Errorf("carol's 3CX 18.12.407 from her hive's logs: %+v (%d errors, %d recovered; want her hive recovered, no errors)",
			carol, sum.Errors, sum.Recovered)
	}
	if bob := findBy(fs, func(f jsonlFinding) bool { return f.Evidence.User == "bob" && f.Evidence.Kind == "software" }); bob != nil {
		t.Errorf("bob's fixed 18.12.422 is a finding: %+v", bob)
	}
	hash := findBy(fs, func(f jsonlFinding) bool {
		return f.Evidence.Kind == "file" && strings.HasSuffix(f.Evidence.Path, `\app\ffmpeg.dll`)
	})
	if hash == nil || hash.Score != 100 || hash.Evidence.Path != `C:\Users\alice\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll` ||
		len(hash.Reasons) < 2 || hash.Reasons[0].Kind != "sha256" {
		t.Errorf("ffmpeg.dll by its own hash: %+v", hash)
	}
}

// TestEndToEndWindowsCatalog scans the Windows image with a signer
// indicator for the publisher of its catalog: version.dll carries no
// signature of its own, and is found through the catalog that lists it.
// wlbsctrl.dll, planted in System32 with a Microsoft version resource, is
// signed neither way.
func TestEndToEndWindowsCatalog(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit")
	root := testutil.Fixture(t, "windows.sh")
	signer := filepath.Join(t.TempDir(), "signer.json")
	os.WriteFile(signer, []byte(`{"schema":"cascade.intel/v1","source":{"id":"test-catalog-signer","name":"test"},
"indicators":[{"id":"catsig","type":"signer","score":70,"description":"fixture catalog publisher",
"signer":{"subject":"Cascade Test Windows Publisher"}}]}`), 0o644)
	code, out, errs := run(t, "scan", "--no-cache", "--no-builtin", "--format", "jsonl", "--intel", signer, root)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := map[string]struct{ kind, level, text string }{
		`C:\Windows\System32\version.dll`: {"signer", "warning",
			`listed in catalog C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\Microsoft-Windows-Fixture.cat`},
		`C:\Windows\System32\wlbsctrl.dll`: {"unsigned-microsoft-file", "warning", `claims the vendor "Microsoft Corporation"`},
	}
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f struct {
			Type     string
			Level    string
			Evidence struct{ Path string }
			Reasons  []struct{ Kind, Description string }
		}
		json.Unmarshal([]byte(line), &f)
		if f.Type != "finding" {
			continue
		}
		found = append(found, f.Evidence.Path)
		w, ok := want[f.Evidence.Path]
		if !ok || f.Level != w.level || len(f.Reasons) != 1 || f.Reasons[0].Kind != w.kind || !strings.Contains(f.Reasons[0].Description, w.text) {
			t.Errorf("finding %s", line)
		}
	}
	if len(found) != len(want) {
		t.Errorf("findings on %q, want version.dll and wlbsctrl.dll", found)
	}
}

func TestEndToEndMacOSImage(t *testing.T) {
	testutil.NeedTools(t, "python3")
	root := testutil.Fixture(t, "macos.sh")
	code, fs, _ := scanJSONL(t, root)
	app := findBy(fs, func(f jsonlFinding) bool { return f.Evidence.Kind == "software" })
	if code != 1 || app == nil || app.Evidence.Version != "18.11.1213" || app.Level != "alert" ||
		!strings.HasPrefix(app.Evidence.Path, "/Applications/3CX Desktop App.app") {
		t.Errorf("exit %d, 3CX app finding %+v", code, app)
	}
	if n := len(fs); n > 2 {
		t.Errorf("%d findings on the macOS image, want the app and its libffmpeg.dylib: %+v", n, fs)
	}
}

func TestEndToEndLinuxImage(t *testing.T) {
	root := testutil.Fixture(t, "linux.sh")
	code, fs, sum := scanJSONL(t, root)
	got := map[string]string{}
	for _, f := range fs {
		if f.Evidence.Kind == "software" {
			got[f.Evidence.Product] = f.Evidence.Version
		}
	}
	if code != 1 || got["xz-utils"] != "5.6.1-1" || got["liblzma5"] != "5.6.1-1" || sum.Host != "build-01" {
		t.Errorf("exit %d, software findings %v, host %q", code, got, sum.Host)
	}
	// Exposed since dpkg unpacked the version (its file list's mtime).
	xz := findBy(fs, func(f jsonlFinding) bool { return f.Evidence.Product == "xz-utils" })
	if xz == nil || xz.ExposedSince != "2024-03-28T07:41:05Z" || xz.ExposedBy != "installed (dpkg info/xz-utils.list mtime)" {
		t.Errorf("xz-utils exposure: %+v", xz)
	}
}

func TestEndToEndBrowserDownload(t *testing.T) {
	testutil.NeedTools(t, "sqlite3")
	root := testutil.Fixture(t, "browser.sh")
	_, fs, _ := scanJSONL(t, filepath.Join(root, "windows"))
	dl := findBy(fs, func(f jsonlFinding) bool {
		return strings.HasSuffix(f.Evidence.Path, `Downloads\X_TRADER_r7.17.90p608.exe`)
	})
	if dl == nil || dl.Evidence.User != "dave" || dl.Incident.ID != "xtrader-2022" || dl.Score < 60 ||
		!strings.HasPrefix(dl.Evidence.Time, "2022-04-12") || !strings.Contains(dl.Evidence.Source, `Google\Chrome\User Data\Default\History`) {
		t.Errorf("X_TRADER download: %+v", dl)
	}
	// Exposed since the download, not since the scan that found it.
	if dl != nil && (!strings.HasPrefix(dl.ExposedSince, "2022-04-12T") || !strings.Contains(dl.ExposedBy, "download") ||
		strings.HasPrefix(dl.FirstSeen, "2022")) {
		t.Errorf("X_TRADER download: exposed since %q by %q, first seen by cascade %q", dl.ExposedSince, dl.ExposedBy, dl.FirstSeen)
	}
	_, table, _ := run(t, "scan", "--no-cache", filepath.Join(root, "windows"))
	if !regexp.MustCompile(`(?m)^\s+since\s+2022-04-12 \d\d:\d\d UTC \(chrome download time\)$`).MatchString(table) {
		t.Errorf("the table does not say since 2022-04-12 to the minute:\n%s", table)
	}
	_, fs, _ = scanJSONL(t, filepath.Join(root, "linux"))
	if icon := findBy(fs, func(f jsonlFinding) bool { return strings.Contains(f.Evidence.URL, "IconStorages") }); icon == nil {
		t.Error("IconStorages visit not found")
	}
	if decoy := findBy(fs, func(f jsonlFinding) bool { return strings.Contains(f.Evidence.URL, "someone/other") }); decoy != nil {
		t.Errorf("a visit to another repository on raw.githubusercontent.com is a finding: %+v", decoy)
	}
}

func TestEndToEndCleanImage(t *testing.T) {
	root := t.TempDir()
	for rel, content := range map[string]string{
		"etc/os-release":      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
		"etc/hostname":        "clean-01\n",
		"var/lib/dpkg/status": "Package: xz-utils\nStatus: install ok installed\nVersion: 5.4.1-0.2\nArchitecture: amd64\n\nPackage: liblzma5\nStatus: install ok installed\nVersion: 5.6.1+really5.4.5-1\nArchitecture: amd64\n",
		"etc/hosts":           "127.0.0.1 localhost\n",
		"usr/bin/tool":        "\x7fELF clean",
	} {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	code, fs, sum := scanJSONL(t, root)
	if code != 0 || len(fs) != 0 || sum.Host != "clean-01" {
		t.Errorf("clean image: exit %d, findings %+v", code, fs)
	}
}

func TestEndToEndCodeSigning(t *testing.T) {
	testutil.NeedTools(t, "osslsigncode", "openssl", "wixl")
	root := testutil.Fixture(t, "signed.sh")
	// A signer indicator for the fixture certificate, limited to a window
	// that contains the fixtures' timestamps (they are signed now).
	signer := filepath.Join(t.TempDir(), "signer.json")
	os.WriteFile(signer, []byte(`{"schema":"cascade.intel/v1","source":{"id":"test-signer","name":"test"},
"indicators":[{"id":"sig","type":"signer","score":65,"description":"fixture signing certificate",
"signer":{"subject":"3CX Ltd","serial":"1001","signed_after":"2020-01-01T00:00:00Z"}}]}`), 0o644)
	scanFiles := func(extra ...string) map[string]jsonlFinding {
		args := append([]string{"scan", "--no-cache", "--format", "jsonl", "--trusted-roots", filepath.Join(root, "pki/root.pem")}, extra...)
		code, out, errs := run(t, append(args, root)...)
		if code != 1 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		byFile := map[string]jsonlFinding{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var f jsonlFinding
			json.Unmarshal([]byte(line), &f)
			if f.Type == "finding" {
				rel, _ := filepath.Rel(root, f.Evidence.Path)
				byFile[filepath.ToSlash(rel)] = f
			}
		}
		return byFile
	}
	kinds := func(f jsonlFinding) []string {
		var k []string
		for _, r := range f.Reasons {
			k = append(k, r.Kind)
		}
		return k
	}

	// Structure and signer only: no built-in intel.
	byFile := scanFiles("--no-builtin", "--intel", signer)
	want := map[string]string{ // file → the reason kind that must be among its reasons
		"pe/padded.exe":     "signature-padding",
		"pe/patched.exe":    "digest-mismatch",
		"pe/dirgrow.exe":    "security-directory-size",
		"msi/tampered.msi":  "digest-mismatch",
		"macho/cms-patched": "page-hash-mismatch",
		"macho/Broken.app/Contents/MacOS/3CX Desktop App": "bundle-seal-broken",
		"pe/signed.exe": "signer",
	}
	for rel, kind := range want {
		if !slicesContains(kinds(byFile[rel]), kind) {
			t.Errorf("%s: reasons %v, want %s", rel, kinds(byFile[rel]), kind)
		}
	}
	if f := byFile["pe/padded.exe"]; f.Level != "warning" {
		t.Errorf("padded.exe level %s, want warning (padding alone)", f.Level)
	}
	if f := byFile["pe/signed.exe"]; f.Score != 65 || len(f.Reasons) != 1 {
		t.Errorf("signed.exe: %+v, want the signer indicator alone", f)
	}
	for _, clean := range []string{"pe/unsigned.exe", "macho/App.app/Contents/MacOS/3CX Desktop App", "macho/adhoc", "macho/fat"} {
		if f, ok := byFile[clean]; ok {
			t.Errorf("clean %s is a finding: %+v", clean, f)
		}
	}

	// With the built-in packs, the installer and the programs are recognised
	// by what their own metadata says they are: 3CX Desktop App 18.12.416.
	byFile = scanFiles()
	for _, rel := range []string{"msi/signed.msi", "pe/unsigned.exe"} {
		f := byFile[rel]
		if !slicesContains(kinds(f), "advisory") || f.Level != "alert" || !strings.Contains(f.Title, "3CX Desktop App 18.12.416") {
			t.Errorf("%s by content: %+v", rel, f)
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestEndToEndThreeCXPrecision: every 3CX install has ffmpeg.dll and
// d3dcompiler_47.dll in its app folder. On a fixed 18.12.422 install they
// are context, not findings (exit 0 at the default threshold); on an
// affected 18.12.416 they join the install's finding as its context, and
// the exposure starts at the earliest time the evidence proves.
func TestEndToEndThreeCXPrecision(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit")
	fixed := testutil.Fixture(t, "windows.sh", "3cx=18.12.422")
	if code, fs, _ := scanJSONL(t, fixed); code != 0 || len(fs) != 0 {
		t.Errorf("fixed 18.12.422: exit %d, findings %+v", code, fs)
	}
	affected := testutil.Fixture(t, "windows.sh", "3cx=18.12.416")
	code, out, errs := run(t, "scan", "--no-cache", "--format", "jsonl", affected)
	if code != 1 {
		t.Fatalf("affected 18.12.416: exit %d: %s", code, errs)
	}
	type line struct {
		Type         string
		Score        int
		ExposedSince string `json:"exposed_since"`
		ExposedBy    string `json:"exposed_by"`
		FirstSeen    string `json:"first_seen"`
		Evidence     struct{ Kind, Version string }
		Context      []struct{ Evidence struct{ Path string } }
	}
	var fs []line
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var one line
		if err := json.Unmarshal([]byte(l), &one); err != nil {
			t.Fatal(err)
		}
		if one.Type == "finding" {
			fs = append(fs, one)
		}
	}
	if len(fs) != 1 {
		t.Fatalf("affected 18.12.416: %d findings, want the install with its files as context: %s", len(fs), out)
	}
	f := fs[0]
	var ctx []string
	for _, c := range f.Context {
		ctx = append(ctx, c.Evidence.Path)
	}
	want := []string{`C:\Users\erin\AppData\Local\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`,
		`C:\Users\erin\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`}
	slices.Sort(ctx)
	if f.Score != 85 || f.Evidence.Kind != "software" || f.Evidence.Version != "18.12.416" || !slices.Equal(ctx, want) {
		t.Errorf("finding: score %d %s %s, context %q", f.Score, f.Evidence.Kind, f.Evidence.Version, ctx)
	}
	// The files' mtime (14:02) is later than the registry's InstallDate
	// (a day, 00:00): the day is the earliest the evidence proves.
	if f.ExposedSince != "2023-03-10T00:00:00Z" || f.ExposedBy != "installed (registry InstallDate)" || strings.HasPrefix(f.FirstSeen, "2023") {
		t.Errorf("exposed since %s by %q, first seen %s", f.ExposedSince, f.ExposedBy, f.FirstSeen)
	}
}
