package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// subjectFlag picks a finding (default) or an incident.
func subjectFlag(fs *flag.FlagSet, incident *bool) {
	fs.BoolVar(incident, "incident", false, "the ID is an incident's, not a finding's")
}

func subjectKind(incident bool) string {
	if incident {
		return fleet.SubjectIncident
	}
	return fleet.SubjectFinding
}

// runClientAssign is `cascade client assign [--incident] ID PERSON`.
func runClientAssign(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var incident, clear bool
	fs := newClientFlags(e, "assign", "[--incident] ID PERSON | --clear ID\n\nAssign a finding or an incident to a person, or to nobody with --clear.", &a)
	subjectFlag(fs, &incident)
	fs.BoolVar(&clear, "clear", false, "unassign")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	person := ""
	switch {
	case clear && fs.NArg() == 1:
	case !clear && fs.NArg() == 2 && strings.TrimSpace(fs.Arg(1)) != "":
		person = fs.Arg(1)
	default:
		return usagef("an ID and a person (or --clear and an ID) are required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	out, err := c.Assign(ctx, subjectKind(incident), fs.Arg(0), person)
	if err != nil {
		return err
	}
	if out.Assignee == "" {
		_, err = fmt.Fprintf(e.stdout, "%s %s unassigned\n", out.Kind, out.Subject)
	} else {
		_, err = fmt.Fprintf(e.stdout, "%s %s assigned to %s\n", out.Kind, out.Subject, out.Assignee)
	}
	return err
}

// runClientComment is `cascade client comment [--incident] ID TEXT|-`.
func runClientComment(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var incident bool
	fs := newClientFlags(e, "comment", "[--incident] ID TEXT\n\nComment on a finding or an incident; TEXT - reads it from standard input (at most 4000 bytes).", &a)
	subjectFlag(fs, &incident)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("an ID and the comment's text are required")
	}
	text := fs.Arg(1)
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, fleet.MaxCommentBytes+1))
		if err != nil {
			return fmt.Errorf("read comment: %w", err)
		}
		text = string(b)
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	n, err := c.Comment(ctx, subjectKind(incident), fs.Arg(0), text)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "note %d added to %s %s\n", n.ID, n.Kind, n.Subject)
	return err
}

// runClientNotes is `cascade client notes [--incident] ID`.
func runClientNotes(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var incident bool
	fs := newClientFlags(e, "notes", "[--incident] ID\n\nShow who a finding or an incident is assigned to, and its notes, oldest first.", &a)
	subjectFlag(fs, &incident)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one ID is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	tr, err := c.Triage(ctx, subjectKind(incident), fs.Arg(0))
	if err != nil {
		return err
	}
	who := "nobody"
	if tr.Assignment != nil {
		who = tr.Assignment.Assignee + " (by " + tr.Assignment.By + ", " + tr.Assignment.At.UTC().Format(time.RFC3339) + ")"
	}
	fmt.Fprintf(e.stdout, "assigned to %s\n", visibleLine(who))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHO\tNOTE")
	for _, n := range tr.Notes {
		text := n.Text
		if n.Type == fleet.NoteAssign {
			text = "[assigned to " + n.Text + "]"
			if n.Text == "" {
				text = "[unassigned]"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n.At.UTC().Format(time.RFC3339), visibleLine(n.Author), visibleLine(text))
	}
	return tw.Flush()
}

// visibleLine keeps a note on one terminal line: control characters
// (from another analyst, or a hostile machine's names) are shown escaped.
func visibleLine(s string) string {
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// findingFilterFlags declares the findings filters the screen and the API
// share and returns a function that encodes the ones set.
func findingFilterFlags(fs *flag.FlagSet) func() url.Values {
	var host int64
	var incident, state, assignee, search string
	var minScore int
	var present, retracted bool
	fs.Int64Var(&host, "host", 0, "only this host (id)")
	fs.StringVar(&incident, "incident", "", "only this incident (id, or unattributed)")
	fs.StringVar(&state, "state", "", "comma-separated states: new, acknowledged, false_positive, resolved")
	fs.StringVar(&assignee, "assignee", "", "only findings assigned to this person")
	fs.StringVar(&search, "q", "", "substring of the title or host name")
	fs.IntVar(&minScore, "min-score", 0, "only findings with at least this score")
	fs.BoolVar(&present, "present", false, "only findings whose evidence is on the host now")
	fs.BoolVar(&retracted, "retracted", false, "include findings whose intel was withdrawn")
	return func() url.Values {
		q := url.Values{}
		set := func(k, v string) {
			if v != "" && v != "0" {
				q.Set(k, v)
			}
		}
		set("host", strconv.FormatInt(host, 10))
		set("incident", incident)
		set("state", state)
		set("assignee", assignee)
		set("q", search)
		set("min_score", strconv.Itoa(minScore))
		if present {
			q.Set("present", "1")
		}
		if retracted {
			q.Set("retracted", "1")
		}
		return q
	}
}

// runClientBulkState is `cascade client bulk-state --state S [--reason R]
// (ID... | --all FILTERS)`.
func runClientBulkState(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var req fleet.BulkStateRequest
	var all bool
	fs := newClientFlags(e, "bulk-state", "--state S [--reason R] ID... | --all [FILTERS]\n\n"+
		"Change the state of many findings with one reason: those named, or with --all every finding the filters\n"+
		"select (at most 1000; a wider selection is refused). ID - reads ids from standard input, one a line.", &a)
	fs.StringVar(&req.State, "to", "", "the new state: new, acknowledged, false_positive, resolved")
	fs.StringVar(&req.Reason, "reason", "", "why (required for false_positive)")
	fs.BoolVar(&all, "all", false, "change every finding the filters select")
	filters := findingFilterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case req.State == "":
		return usagef("--to STATE is required")
	case all && fs.NArg() > 0:
		return usagef("give ids or --all, not both")
	case all:
		req.Filter = filters().Encode()
		if req.Filter == "" {
			req.Filter = "retracted=0"
		}
	case fs.NArg() == 1 && fs.Arg(0) == "-":
		b, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
		if err != nil {
			return fmt.Errorf("read ids: %w", err)
		}
		req.IDs = strings.Fields(string(b))
	case fs.NArg() > 0:
		req.IDs = fs.Args()
	default:
		return usagef("finding ids, - or --all are required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	res, err := c.BulkState(ctx, req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%d findings set to %s, %d already were\n", len(res.Changed), req.State, len(res.Unchanged))
	return err
}

// runClientExport is `cascade client export --format csv|jsonl|stix
// [FILTERS]`.
func runClientExport(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format, out string
	fs := newClientFlags(e, "export", "--format csv|jsonl|stix [FILTERS] [-o FILE]\n\n"+
		"Stream every finding the filters select (at most 100,000), as the findings screen exports them: CSV, JSON\n"+
		"Lines, or a STIX 2.1 bundle of sightings.", &a)
	fs.StringVar(&format, "format", "csv", "csv, jsonl or stix")
	fs.StringVar(&out, "o", "", "write to this file instead of standard output")
	filters := findingFilterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	switch format {
	case "csv", "jsonl", "stix":
	default:
		return usagef("--format must be csv, jsonl or stix")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	q := filters()
	q.Set("format", format)
	w := e.stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := c.ExportFindings(ctx, q, w); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && out != "" {
		return f.Close()
	}
	return nil
}
