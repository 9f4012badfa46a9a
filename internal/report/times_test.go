package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestExposureTimes: every reporter shows "exposed since (evidence)" and
// "first seen by cascade" apart, to the minute.
func TestExposureTimes(t *testing.T) {
	dl := time.Date(2022, 4, 12, 14, 3, 58, 0, time.UTC)
	scan := time.Date(2026, 12, 6, 21, 55, 0, 0, time.UTC)
	f := finding.Finding{ID: "f1", Host: "wks", Title: "X_TRADER download", Score: 75, Level: finding.Warning,
		Evidence:     finding.Evidence{Kind: finding.EvidenceArtifact, URL: "https://example.org/x.exe"},
		ExposedSince: dl, ExposedBy: "chrome download time", FirstSeen: scan, LastSeen: scan,
		Context: []finding.Context{{Evidence: finding.Evidence{Kind: finding.EvidenceFile, Path: `C:\a\ffmpeg.dll`},
			Reasons: []finding.Reason{{Kind: "path", Matched: `%LOCALAPPDATA%\a\ffmpeg.dll`, Score: 30, Context: true}}}}}
	s := Scan{ScanID: "s", Snapshot: &snapshot.Snapshot{}, Findings: []finding.Finding{f}}

	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"since    2022-04-12 14:03 UTC (chrome download time)", "seen     first 2026-12-06 21:55 UTC by cascade",
		`context  C:\a\ffmpeg.dll (path %LOCALAPPDATA%\a\ffmpeg.dll)`} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}

	var cb bytes.Buffer
	if err := CSV(&cb, s, true); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	if col["exposed_since"] != "2022-04-12T14:03:58Z" || col["exposed_by"] != "chrome download time" ||
		col["first_seen"] != "2026-12-06T21:55:00Z" || col["context"] != `C:\a\ffmpeg.dll` {
		t.Errorf("csv columns: %v", col)
	}

	var jb bytes.Buffer
	if err := JSONL(&jb, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(jb.String(), `"exposed_since":"2022-04-12T14:03:58Z","exposed_by":"chrome download time","first_seen":"2026-12-06T21:55:00Z"`) {
		t.Errorf("jsonl: %s", jb.String())
	}

	f.ExposedSince, f.ExposedBy = time.Time{}, ""
	tb.Reset()
	Table(&tb, Scan{ScanID: "s", Snapshot: &snapshot.Snapshot{}, Findings: []finding.Finding{f}})
	if strings.Contains(tb.String(), "since ") || !strings.Contains(tb.String(), "seen     first 2026-12-06 21:55 UTC by cascade") {
		t.Errorf("no evidence time: %s", tb.String())
	}
}
