// Package report writes scan results for people (a table) and for
// machines (JSON Lines, CSV). Reporters only format: they never decide
// what is a finding.
package report

import (
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Scan is one scanned host's results, as reporters see them.
type Scan struct {
	ScanID   string
	Snapshot *snapshot.Snapshot
	Findings []finding.Finding
	Warnings []string
}

// Counts tallies findings by level.
func Counts(fs []finding.Finding) map[finding.Level]int {
	c := map[finding.Level]int{}
	for _, f := range fs {
		c[f.Level]++
	}
	return c
}
