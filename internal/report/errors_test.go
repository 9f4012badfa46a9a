package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestRecoveryNotes: a hive recovered in full from its logs is reported as
// recovered, not counted among the errors; a real problem still is.
func TestRecoveryNotes(t *testing.T) {
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "img", Source: "image", OS: "windows"}, Roots: []string{"/img"},
		Errors: []snapshot.PathError{
			{Path: `C:\Users\carol\NTUSER.DAT`, Stage: "recover:windows-registry", Err: "dirty hive recovered in memory"},
			{Path: `C:\Users\dave\NTUSER.DAT`, Stage: "parse:windows-registry", Err: "truncated"},
		}}
	s := Scan{ScanID: "s1", Snapshot: snap}
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	out := tb.String()
	for _, want := range []string{"1 errors (the scan went on):\n    C:\\Users\\dave\\NTUSER.DAT [parse:windows-registry]: truncated\n",
		"  recovered: C:\\Users\\carol\\NTUSER.DAT [recover:windows-registry]: dirty hive recovered in memory\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	var jb bytes.Buffer
	if err := JSONL(&jb, s); err != nil {
		t.Fatal(err)
	}
	var sum struct{ Errors, Recovered int }
	if err := json.Unmarshal(bytes.TrimSpace(jb.Bytes()), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 1 || sum.Recovered != 1 {
		t.Errorf("summary errors %d recovered %d, want 1 and 1", sum.Errors, sum.Recovered)
	}
}
