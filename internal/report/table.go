package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/visible"
)

// maxErrorsShown bounds the per-path errors the table lists.
const maxErrorsShown = 10

// Table writes a report for people: a header about the host and the scan,
// then findings grouped by incident, the most severe incident first.
func Table(w io.Writer, s Scan) error {
	tw := &errWriter{w: w}
	writeHeader(tw, s)
	groups := groupByIncident(s.Findings)
	if len(groups) == 0 {
		tw.printf("\nNo findings.\n")
	}
	for _, g := range groups {
		tw.printf("\n%s\n", g.title)
		for _, f := range g.findings {
			writeFinding(tw, f)
		}
	}
	return tw.err
}

func writeHeader(tw *errWriter, s Scan) {
	snap := s.Snapshot
	h := snap.Host
	what := "live host"
	switch h.Source {
	case "image":
		what = h.OS + " image at " + strings.Join(snap.Roots, ", ")
	case "sbom":
		what = "SBOM"
	}
	tw.printf("cascade scan %s: %s (%s", s.ScanID, h.Name, what)
	if h.OSVersion != "" {
		tw.printf(", %s", h.OSVersion)
	}
	st := snap.Stats
	tw.printf(")\n  %d files (%d read, %d from cache), %s hashed, %d software items, %d artifacts in %s\n",
		st.FilesSeen, st.FilesHashed, st.FilesCached, humanBytes(st.BytesHashed), len(snap.Software),
		len(snap.Artifacts), (time.Duration(st.DurationMS) * time.Millisecond).String())
	if len(snap.Skipped) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(snap.Skipped)) {
			parts = append(parts, fmt.Sprintf("%d %s", snap.Skipped[k], k))
		}
		tw.printf("  skipped: %s\n", strings.Join(parts, ", "))
	}
	errs, notes := splitErrors(snap.Errors)
	if n := len(errs); n > 0 {
		tw.printf("  %d errors (the scan went on):\n", n)
		for _, e := range errs[:min(n, maxErrorsShown)] {
			tw.printf("    %s [%s]: %s\n", e.Path, e.Stage, e.Err)
		}
		if n > maxErrorsShown {
			tw.printf("    … %d more in the JSON report\n", n-maxErrorsShown)
		}
	}
	for _, e := range notes[:min(len(notes), maxErrorsShown)] {
		tw.printf("  recovered: %s [%s]: %s\n", e.Path, e.Stage, e.Err)
	}
	if n := len(notes); n > maxErrorsShown {
		tw.printf("  recovered: … %d more in the JSON report\n", n-maxErrorsShown)
	}
	for _, w := range s.Warnings {
		tw.printf("  warning: %s\n", w)
	}
	c := Counts(s.Findings)
	tw.printf("  findings: %d alert, %d warning, %d notice, %d info\n",
		c[finding.Alert], c[finding.Warning], c[finding.Notice], c[finding.Info])
}

type group struct {
	title    string
	score    int
	findings []finding.Finding
}

func groupByIncident(fs []finding.Finding) []group {
	byID := map[string]*group{}
	var order []*group
	for _, f := range fs {
		id, title := "", "Other findings"
		if f.Incident != nil {
			id, title = f.Incident.ID, f.Incident.Name
			if len(f.Incident.Actors) > 0 {
				title += " (actors: " + strings.Join(f.Incident.Actors, ", ") + ")"
			}
		}
		g := byID[id]
		if g == nil {
			g = &group{title: title}
			byID[id] = g
			order = append(order, g)
		}
		g.findings = append(g.findings, f)
		g.score = max(g.score, f.Score)
	}
	slices.SortStableFunc(order, func(a, b *group) int { return cmp.Compare(b.score, a.score) })
	out := make([]group, len(order))
	for i, g := range order {
		out[i] = *g
	}
	return out
}

func writeFinding(tw *errWriter, f finding.Finding) {
	tw.printf("  %-7s %3d  %s\n", strings.ToUpper(string(f.Level)), f.Score, f.Title)
	e := f.Evidence
	line := func(label, v string) {
		if v != "" {
			tw.printf("               %-8s %s\n", label, v)
		}
	}
	switch e.Kind {
	case finding.EvidenceSoftware:
		line("software", strings.TrimSpace(e.Product+" "+e.Version))
		line("path", e.Path)
	case finding.EvidenceArtifact:
		line(e.ArtifactKind, firstNonEmpty(e.URL, e.Domain, e.IP))
		if e.Mechanism != "" {
			line("persists", "via "+e.Mechanism)
			line("starts", e.Command)
			line("program", e.Path)
		} else if e.URL == "" && e.Domain == "" && e.IP == "" { // execution evidence names a program
			line(e.ArtifactKind, e.Path)
			line("sha1", e.SHA1)
		} else {
			line("saved to", e.Path)
		}
		if e.Time != nil {
			line("time", e.Time.UTC().Format(time.RFC3339))
		}
	default:
		line("file", e.Path)
		line("sha256", e.SHA256)
		line("signer", e.Signer)
		if e.Mechanism != "" {
			line("persists", "via "+e.Mechanism)
		}
	}
	line("user", e.User)
	line("record", e.Source)
	for i, r := range f.Reasons {
		label := ""
		if i == 0 {
			label = "why"
		}
		tw.printf("               %-8s %s (score %d; %s)\n", label, clip(r.Label(" "), 90+len(r.Kind)+1), r.Score, r.Source)
		if r.Description != "" {
			tw.printf("               %-8s   %s\n", "", clip(r.Description, 110))
		}
	}
	for _, c := range f.Context {
		if k := c.Evidence.ArtifactKind; k != "" && c.Evidence.Mechanism == "" && c.Evidence.URL == "" && c.Evidence.Domain == "" && c.Evidence.IP == "" {
			// Another execution record of the same program (match.mergeRuns).
			tw.printf("               %-8s %s %s%s\n", "also", k, c.Evidence.Path, contextTime(c.Evidence.Time))
			continue
		}
		tw.printf("               %-8s %s (%s)\n", "context", firstNonEmpty(c.Evidence.Path, c.Evidence.URL, c.Evidence.Product), contextWhy(c))
	}
	line("since", sinceCell(f.ExposedSince, f.ExposedBy))
	if !f.RanSince.IsZero() {
		line("ran", "since "+sinceCell(f.RanSince, f.RanBy))
	}
	if r := f.Running; r != nil {
		line("live", r.String())
		if r.Module != "" || r.Remote != "" { // else the file line names it
			line("image", r.Image)
		}
	}
	line("seen", seenCell(f.FirstSeen, f.LastSeen))
	line("fix", f.Remediation)
	if f.Suppressed != "" {
		line("note", "suppressed by "+f.Suppressed+" (shown because of --show-suppressed)")
	}
}

// minuteLayout shows times to the minute, in UTC.
const minuteLayout = "2006-01-02 15:04 UTC"

// sinceCell is "exposed since (evidence)": the earliest time the evidence
// proves, and which evidence; empty (no line) when no evidence carries a
// time.
func sinceCell(t time.Time, by string) string {
	if t.IsZero() {
		return ""
	}
	s := t.UTC().Format(minuteLayout)
	if by != "" {
		s += " (" + by + ")"
	}
	return s
}

// seenCell is when cascade itself saw the evidence.
func seenCell(first, last time.Time) string {
	if first.IsZero() {
		return ""
	}
	s := "first " + first.UTC().Format(minuteLayout) + " by cascade"
	if !last.IsZero() && !last.Equal(first) {
		s += ", last " + last.UTC().Format(minuteLayout)
	}
	return s
}

// contextTime is ", at TIME" for a context record that carries a time.
func contextTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return ", at " + t.UTC().Format(minuteLayout)
}

// contextWhy says what a context entry matched.
func contextWhy(c finding.Context) string {
	var why []string
	for _, r := range c.Reasons {
		why = append(why, r.Kind+" "+clip(r.Matched, 60))
	}
	return strings.Join(why, "; ")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// errWriter keeps the first write error so formatting code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

// printf writes the format with every string argument shown as its
// characters are (visible.String): paths, names and titles come from
// the scanned machine and intel, and a right-to-left override or a
// control character in one must not reorder or break the terminal's
// text. The layout is the format's alone.
func (e *errWriter) printf(format string, a ...any) {
	if e.err != nil {
		return
	}
	for i, v := range a {
		if s, ok := v.(string); ok {
			a[i] = visible.String(s)
		}
	}
	_, e.err = fmt.Fprintf(e.w, format, a...)
}

// splitErrors separates problems from recovery notes (a dirty hive read in
// full from its logs), keeping the order of each.
func splitErrors(all []snapshot.PathError) (errs, notes []snapshot.PathError) {
	for _, e := range all {
		if e.IsNote() {
			notes = append(notes, e)
		} else {
			errs = append(errs, e)
		}
	}
	return errs, notes
}
