// Package output writes cascade traces: a table for people, JSON, Graphviz
// DOT, and (forward traces) a STIX 2.1 bundle of derived intel. Every
// writer is deterministic: the same trace gives the same bytes.
package output

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// Formats lists the formats, in the order usage names them.
var Formats = []string{"table", "json", "dot", "stix"}

// Forward writes a forward trace in format.
func Forward(w io.Writer, format string, r *cascade.Result) error {
	switch format {
	case "table":
		return forwardTable(w, r)
	case "json":
		return forwardJSON(w, r)
	case "dot":
		return forwardDOT(w, r)
	case "stix":
		return STIX(w, r)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// Backward writes a backwards trace in format (not stix: a bundle is
// derived intel about suspect releases, which a backwards trace has none of).
func Backward(w io.Writer, format string, r *cascade.BackResult) error {
	switch format {
	case "table":
		return backwardTable(w, r)
	case "json":
		return backwardJSON(w, r)
	case "dot":
		return backwardDOT(w, r)
	}
	return fmt.Errorf("format %q is not available for a backwards trace (want table, json or dot)", format)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// settings describes the options a trace ran with, one line each.
func settings(o *cascade.Options) []string {
	var seeds []string
	for _, s := range o.Seeds {
		seeds = append(seeds, s.Node+" @ "+stamp(s.Time))
	}
	depth := "none"
	if o.MaxDepth > 0 {
		depth = fmt.Sprint(o.MaxDepth)
	}
	excl := []string{}
	for _, k := range o.Exclude {
		excl = append(excl, k.String())
	}
	slices.Sort(excl)
	conf := []string{}
	for k, c := range o.Confidence {
		conf = append(conf, fmt.Sprintf("%s=%g", k, c))
	}
	slices.Sort(conf)
	return []string{
		"Seeds: " + strings.Join(seeds, ", "),
		"As of: " + stamp(o.At),
		"Clock-skew tolerance: " + o.Skew.String(),
		"Max depth: " + depth,
		"Excluded edge kinds: " + orNone(excl),
		"Edge-kind confidences: " + orNone(conf),
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// pathString writes a path as "A -ran-> B -reaches(unverified)-> C".
func pathString(p []cascade.Step) string {
	var sb strings.Builder
	for i, st := range p {
		if i > 0 {
			sb.WriteString(" -" + st.Via.Kind.String())
			if ev := st.Via.Evidence; ev != nil && ev.Unverified {
				sb.WriteString("(unverified)")
			}
			sb.WriteString("-> ")
		}
		sb.WriteString(st.Node)
	}
	return sb.String()
}
