package scan

import (
	"fmt"

	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// SkipPatternNotEvaluated counts, in a snapshot's skipped map, the STIX
// pattern evaluations that failed during matching (and so counted as no
// match).
const SkipPatternNotEvaluated = "stix-pattern-not-evaluated"

// addPatternProblems reports the STIX patterns that could not be evaluated
// over snap as the snapshot's problems, one per indicator, and counts their
// failed evaluations as skipped: a pattern that erred may have matched.
func addPatternProblems(snap *snapshot.Snapshot, problems []match.PatternProblem) {
	for _, p := range problems {
		path := "intel:" + p.Indicator
		if p.Indicator == "" {
			path = "intel:(inventory item as STIX)"
		}
		if snap.Skipped == nil {
			snap.Skipped = map[string]int64{}
		}
		snap.Skipped[SkipPatternNotEvaluated] += p.Count
		snap.Errors = append(snap.Errors, snapshot.PathError{Path: path, Stage: "match:stix",
			Err: fmt.Sprintf("STIX pattern not evaluated %d time(s), each counted as no match; first: %s", p.Count, p.Err)})
	}
}
