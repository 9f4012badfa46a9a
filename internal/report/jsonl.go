package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// JSONLSchema versions the JSON Lines report (docs/report-jsonl.md).
const JSONLSchema = "cascade.report/v1"

// findingLine is one finding in the JSON Lines report.
type findingLine struct {
	Type   string `json:"type"` // "finding"
	Schema string `json:"schema"`
	ScanID string `json:"scan_id"`
	finding.Finding
}

// summaryLine ends a host's JSON Lines report.
type summaryLine struct {
	Type        string                `json:"type"` // "summary"
	Schema      string                `json:"schema"`
	ScanID      string                `json:"scan_id"`
	SnapshotID  string                `json:"snapshot_id"`
	Host        string                `json:"host"`
	HostID      string                `json:"host_id"`
	OS          string                `json:"os"`
	Source      string                `json:"source"`
	Roots       []string              `json:"roots"`
	Started     time.Time             `json:"started"`
	DurationMS  int64                 `json:"duration_ms"`
	Files       int64                 `json:"files"`
	FilesHashed int64                 `json:"files_hashed"`
	FilesCached int64                 `json:"files_cached"`
	Bytes       int64                 `json:"bytes_hashed"`
	Software    int                   `json:"software"`
	Artifacts   int                   `json:"artifacts"`
	Skipped     map[string]int64      `json:"skipped"`
	Errors      int                   `json:"errors"`
	Recovered   int                   `json:"recovered,omitempty"`
	Findings    map[finding.Level]int `json:"findings"`
	Warnings    []string              `json:"warnings,omitempty"`
}

// JSONL writes one line per finding, then a summary line.
func JSONL(w io.Writer, s Scan) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range s.Findings {
		if err := enc.Encode(findingLine{Type: "finding", Schema: JSONLSchema, ScanID: s.ScanID, Finding: f}); err != nil {
			return fmt.Errorf("write finding: %w", err)
		}
	}
	snap := s.Snapshot
	sum := summaryLine{Type: "summary", Schema: JSONLSchema, ScanID: s.ScanID, SnapshotID: snap.ID,
		Host: snap.Host.Name, HostID: snap.Host.ID, OS: snap.Host.OS, Source: snap.Host.Source,
		Roots: snap.Roots, Started: snap.Stats.Started, DurationMS: snap.Stats.DurationMS,
		Files: snap.Stats.FilesSeen, FilesHashed: snap.Stats.FilesHashed, FilesCached: snap.Stats.FilesCached,
		Bytes: snap.Stats.BytesHashed, Software: len(snap.Software), Artifacts: len(snap.Artifacts),
		Skipped: snap.Skipped, Findings: Counts(s.Findings), Warnings: s.Warnings}
	sum.Errors = snapshot.Problems(snap.Errors)
	sum.Recovered = len(snap.Errors) - sum.Errors
	if sum.Skipped == nil {
		sum.Skipped = map[string]int64{}
	}
	if err := enc.Encode(sum); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
