package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

func runClientIncident(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	fs := newClientFlags(e, "incident", "[OPTIONS] ID\n\nShow an incident: what the intel says of it, the incidents the intel ties it to\n(with the relation and the source that says so) and the hosts it affects.", &a)
	fs.StringVar(&format, "format", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one incident ID is required")
	}
	if format != "text" && format != "json" {
		return usagef("--format must be text or json")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	d, err := c.Incident(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, d)
	}
	w := e.stdout
	fmt.Fprintf(w, "Incident %s\n  name: %s\n", visibleLine(d.ID), visibleLine(d.Name))
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %s: %s\n", k, visibleLine(v))
		}
	}
	line("summary", d.Summary)
	for _, a := range d.Actors {
		line("actor", a)
	}
	for _, s := range d.Sources {
		line("reported by", s)
	}
	for _, r := range d.Related {
		v := r.Relation + ": " + r.ID + " (" + r.Name + ")"
		if r.Source != "" {
			v += "; source: " + r.Source
		}
		line("related", v)
	}
	line("remediation", d.Remediation)
	for _, ref := range d.References {
		line("reference", ref)
	}
	fmt.Fprintf(w, "  hosts: %d now, %d ever; %d findings\n", d.HostsNow, d.HostsEver, d.Findings)
	if len(d.Hosts) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPRESENT\tFIRST SEEN\tLAST SEEN\tFINDINGS")
	for _, h := range d.Hosts {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%d\n", visibleLine(h.Name), h.Present, h.FirstSeen.UTC().Format(time.RFC3339), h.LastSeen.UTC().Format(time.RFC3339), len(h.Findings))
	}
	return tw.Flush()
}
