package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// runClientTrace is `cascade client trace list|show|recompute|delete`:
// the traces saved on the server (`cascade trace --server … --save NAME`).
func runClientTrace(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("client trace: want list, show ID, recompute ID, delete ID, inputs, add-input FILE or delete-input ID")
	}
	verb := args[0]
	var a apiFlags
	var asJSON bool
	var versions int
	var kind, name string
	fs := newClientFlags(e, "trace "+verb, "[--json] [ID]\n\nSaved traces: list them, show one with what changed in each version, recompute one now, or delete one.\n"+
		"Trace inputs every trace reads: inputs, add-input --kind KIND [--name NAME] FILE, delete-input ID.", &a)
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	fs.IntVar(&versions, "versions", 5, "show: how many versions (the server keeps 20)")
	fs.StringVar(&kind, "kind", "", "add-input: declared, deliveries, provenance or provenance-key")
	fs.StringVar(&name, "name", "", "add-input: the input's name (default the file's base name)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch verb {
	case "inputs", "add-input":
		return traceInputs(ctx, e, &a, verb, kind, name, asJSON, fs.Args())
	}
	var id int64
	if verb != "list" {
		if fs.NArg() != 1 {
			return usagef("client trace %s: one saved trace id is required", verb)
		}
		n, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || n <= 0 {
			return usagef("client trace %s: %q is not a saved trace id", verb, fs.Arg(0))
		}
		id = n
	} else if fs.NArg() != 0 {
		return usagef("client trace list takes no arguments")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	switch verb {
	case "list":
		ts, err := c.SavedTraces(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONOut(e, ts)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tVERSION\tUPDATED\tSEEDS")
		for _, t := range ts {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", t.ID, t.Name, t.Version, fmtTime(t.Updated), seedsText(t.Request))
		}
		return tw.Flush()
	case "show":
		d, err := c.SavedTrace(ctx, id, versions)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONOut(e, d)
		}
		return writeSavedTrace(e.stdout, d)
	case "recompute":
		r, err := c.RecomputeTrace(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONOut(e, r)
		}
		if !r.Changed {
			_, err = fmt.Fprintf(e.stdout, "trace %d unchanged at version %d\n", id, r.Version.Version)
			return err
		}
		return writeVersion(e.stdout, r.Version)
	case "delete":
		if err := c.DeleteSavedTrace(ctx, id); err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "trace %d deleted\n", id)
		return err
	case "delete-input":
		if err := c.DeleteTraceInput(ctx, id); err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "trace input %d deleted\n", id)
		return err
	}
	return usagef("client trace: unknown %q (want list, show, recompute or delete)", verb)
}

func seedsText(req fleet.TraceRequest) string {
	var s []string
	for _, sd := range req.Seeds {
		if sd.Time != "" {
			s = append(s, sd.Node+"@"+sd.Time)
		} else {
			s = append(s, sd.Node)
		}
	}
	dir := "forward"
	if req.Backwards {
		dir = "backwards"
	}
	return dir + " from " + strings.Join(s, " ")
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// writeSavedTrace prints a saved trace: its versions newest first with
// what changed in each, then what the latest reached.
func writeSavedTrace(w io.Writer, d fleet.SavedTraceDetail) error {
	fmt.Fprintf(w, "trace %d %q: %s; version %d, saved by %s %s\n", d.ID, d.Name, seedsText(d.Request), d.Version, d.By, fmtTime(d.Created))
	for _, v := range d.Versions {
		if err := writeVersion(w, v); err != nil {
			return err
		}
	}
	if len(d.Versions) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nreached (version %d):\n", d.Versions[0].Version)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tEARLIEST\tCONFIDENCE\tFROM\tNOTE")
	for _, n := range d.Versions[0].Result.Nodes {
		note := ""
		if n.Seed {
			note = "seed"
		} else if n.Suspect {
			note = "suspect"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%s\t%s\n", n.ID, n.Kind, fmtTime(n.Time), n.Confidence, n.Via, note)
	}
	return tw.Flush()
}

func writeVersion(w io.Writer, v fleet.TraceVersion) error {
	fmt.Fprintf(w, "\nversion %d  %s  %s\n", v.Version, fmtTime(v.At), v.Reason)
	if v.Error != "" {
		_, err := fmt.Fprintf(w, "  could not be computed: %s\n", v.Error)
		return err
	}
	c := v.Changes
	if c == nil {
		_, err := fmt.Fprintf(w, "  first result: %d nodes\n", len(v.Result.Nodes))
		return err
	}
	if len(c.NewSuspects) > 0 {
		fmt.Fprintf(w, "  new suspect releases: %s\n", strings.Join(c.NewSuspects, " "))
	}
	if len(c.NewCustomers) > 0 {
		fmt.Fprintf(w, "  new customers: %s\n", strings.Join(c.NewCustomers, " "))
	}
	for _, n := range c.Added {
		fmt.Fprintf(w, "  + %s (%s) reached %s from %s\n", n.ID, n.Kind, fmtTime(n.Time), n.Via)
	}
	for _, n := range c.Removed {
		fmt.Fprintf(w, "  - %s (%s)\n", n.ID, n.Kind)
	}
	for _, s := range c.Earlier {
		fmt.Fprintf(w, "  earlier %s: %s (was %s)\n", s.Node, fmtTime(s.Now), fmtTime(s.Was))
	}
	for _, s := range c.Later {
		fmt.Fprintf(w, "  later %s: %s (was %s)\n", s.Node, fmtTime(s.Now), fmtTime(s.Was))
	}
	return nil
}

// traceInputs lists the trace inputs the server keeps, or adds one.
func traceInputs(ctx context.Context, e *env, a *apiFlags, verb, kind, name string, asJSON bool, args []string) error {
	if verb == "inputs" && len(args) != 0 || verb == "add-input" && len(args) != 1 {
		return usagef("client trace inputs takes no arguments; add-input takes one file")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	if verb == "inputs" {
		ins, err := c.TraceInputs(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONOut(e, ins)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tNAME\tSIZE\tSHA256\tADDED")
		for _, in := range ins {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", in.ID, in.Kind, in.Name, in.Size, in.SHA256, fmtTime(in.Created))
		}
		return tw.Flush()
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	if name == "" {
		name = filepath.Base(args[0])
	}
	res, err := c.AddTraceInput(ctx, kind, name, data)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSONOut(e, res)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stderr, "cascade client trace: warning:", w)
	}
	_, err = fmt.Fprintf(e.stdout, "trace input %d: %s %s, %d bytes, sha256 %s\n", res.Input.ID, res.Input.Kind, res.Input.Name, res.Input.Size, res.Input.SHA256)
	return err
}
