package report

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// update rewrites golden files instead of comparing: go test -update.
var update = flag.Bool("update", false, "rewrite golden files")

// TestReasonText pins how reasons read in the table and the CSV: an
// anomaly (whose matched value is its own kind) is named once, a signer
// reason shows the certificate, an indicator shows its value.
func TestReasonText(t *testing.T) {
	reasons := []finding.Reason{
		{Kind: "signature-padding", Matched: "signature-padding", Score: 70, Source: "cascade:file-structure",
			Description: "4099 bytes follow the PKCS#7 signature"},
		{Kind: "signer", Matched: "CN=3CX Ltd,O=3CX Ltd,C=GB, serial 1001", Score: 65, Source: "test-signer",
			Description: "fixture signing certificate"},
		{Kind: "sha256", Matched: "59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983", Score: 100, Source: "test"},
	}
	s := Scan{ScanID: "s1", Snapshot: &snapshot.Snapshot{Host: snapshot.Host{Name: "img", Source: "image", OS: "windows"},
		Roots: []string{"/img"}},
		Findings: []finding.Finding{{Level: finding.Alert, Score: 100, Title: "Known file: padded.exe",
			Evidence: finding.Evidence{Kind: finding.EvidenceFile, Path: `C:\x\padded.exe`, Signer: "3CX Ltd"},
			Reasons:  reasons}}}
	var tb, cb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	if err := CSV(&cb, s, true); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "reasons.table.golden"), tb.String())
	checkGolden(t, filepath.Join("testdata", "reasons.csv.golden"), cb.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	testutil.Golden(t, path, got, *update)
}

// TestTableEscapesBidi pins the table with a right-to-left override in a
// path and a title, and a line break in a signer: the table shows them
// escaped, while the CSV keeps the evidence byte for byte.
func TestTableEscapesBidi(t *testing.T) {
	path := "C:\\Users\\a\\Downloads\\invoice_\u202Efdp.exe"
	s := Scan{ScanID: "s1", Snapshot: &snapshot.Snapshot{Host: snapshot.Host{Name: "wks\u2066", Source: "live", OS: "windows"}},
		Findings: []finding.Finding{{Level: finding.Alert, Score: 100, Title: "Known file: invoice_\u202Efdp.exe",
			Evidence: finding.Evidence{Kind: finding.EvidenceFile, Path: path, Signer: "Evil\nCorp\xff"},
			Reasons:  []finding.Reason{{Kind: "filename", Matched: "invoice_\u202Efdp.exe", Score: 100, Source: "test"}}}}}
	var tb, cb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "bidi.table.golden"), tb.String())
	if err := CSV(&cb, s, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cb.Bytes(), []byte(path)) {
		t.Errorf("CSV lost the raw path:\n%q", cb.String())
	}
}

func TestTableRunning(t *testing.T) {
	since := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	s := Scan{ScanID: "s1", Snapshot: &snapshot.Snapshot{Host: snapshot.Host{Name: "wks", Source: "live", OS: "linux"}},
		Findings: []finding.Finding{
			{Level: finding.Alert, Score: 90, Title: "Known file: libevil.so",
				Evidence: finding.Evidence{Kind: finding.EvidenceProcess, Path: "/opt/x/libevil.so", Source: "pid 42"},
				Reasons: []finding.Reason{{Kind: "running-now", Matched: "pid 42", Score: 90, Source: "cascade live sweep"},
					{Kind: "sha256", Matched: "ab", Score: 70, Source: "test"}},
				Running: &finding.Running{PID: 42, Since: since, Image: "/opt/x/app", Processes: 2, Module: "/opt/x/libevil.so"}},
			{Level: finding.Alert, Score: 90, Title: "Known address 203.0.113.9",
				Evidence: finding.Evidence{Kind: finding.EvidenceArtifact, ArtifactKind: "connection", IP: "203.0.113.9", Source: "/proc/net/tcp"},
				Reasons:  []finding.Reason{{Kind: "running-now", Matched: "203.0.113.9:443", Score: 90, Source: "cascade live sweep"}},
				Running:  &finding.Running{PID: 7, Image: "/usr/bin/curl", Remote: "203.0.113.9:443"}},
		}}
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"live     running now (pid 42, since 2026-12-07T01:02:03Z, 2 processes)",
		"image    /opt/x/app", "connection 203.0.113.9", "live     running now (pid 7)", "image    /usr/bin/curl"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
}
