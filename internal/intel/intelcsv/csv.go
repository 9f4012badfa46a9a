// Package intelcsv writes intel as CSV: one row per indicator with every
// field, RFC 4180 quoting, and cells defused against spreadsheet formula
// injection.
package intelcsv

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Header is the column list.
var Header = []string{"id", "type", "value", "pattern", "pattern_type", "score", "incident", "incident_name", "actors",
	"description", "sources", "references", "tags", "valid_from", "valid_until", "revoked", "false_positive", "signer"}

// Write writes one row per indicator (hash-list entries included).
func Write(w io.Writer, in *intel.Intel) error {
	cw := csv.NewWriter(w)
	cw.Write(Header)
	for i := range in.Indicators {
		cw.Write(row(in, &in.Indicators[i]))
	}
	for _, h := range in.HashLists {
		for i := range h.Len() {
			ind := h.Indicator(i)
			cw.Write(row(in, &ind))
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func row(in *intel.Intel, ind *intel.Indicator) []string {
	incName, actors := "", []string(nil)
	if inc := in.Incident(ind.Incident); inc != nil {
		incName = inc.Name
		for _, id := range inc.Actors {
			if a := in.Actor(id); a != nil {
				actors = append(actors, a.Name)
			} else {
				actors = append(actors, id)
			}
		}
	}
	signer := ""
	if ind.Signer != nil {
		b, _ := json.Marshal(ind.Signer)
		signer = string(b)
	}
	cells := []string{ind.ID, string(ind.Type), ind.Value, ind.Pattern, ind.PatternType, strconv.Itoa(ind.Score), ind.Incident,
		incName, strings.Join(actors, "; "), ind.Description, strings.Join(ind.Sources, "; "), strings.Join(ind.References, "; "),
		strings.Join(ind.Tags, "; "), timeCell(ind.ValidFrom), timeCell(ind.ValidUntil), strconv.FormatBool(ind.Revoked),
		ind.FalsePositive, signer}
	for i := range cells {
		cells[i] = Sanitize(cells[i])
	}
	return cells
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Sanitize defuses a cell a spreadsheet would run as a formula: intel
// comes from outside, and "=HYPERLINK(…)" in a description must stay text.
func Sanitize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
