package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cascade-ir/cascade/internal/cascade"
)

func forwardTable(w io.Writer, r *cascade.Result) error {
	reached := r.Reached()
	fmt.Fprintln(w, "Forward trace")
	for _, s := range settings(&r.Options) {
		fmt.Fprintln(w, "  "+s)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tSTATUS\tEARLIEST\tCONFIDENCE\tPATH")
	var suspects []string
	for _, re := range reached {
		status := "reached"
		switch {
		case re.Seed:
			status = "seed"
		case re.Suspect:
			status = "suspect"
			suspects = append(suspects, re.Node.ID)
		}
		if re.Unverified {
			status += ", unverified"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3g\t%s\n", re.Node.ID, re.Kind, status, stamp(re.Time), re.Confidence, pathString(re.Path))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d nodes reached; %d suspect releases: %s\n", len(reached), len(suspects), orNone(suspects))
	return warnings(w, r.Warnings())
}

func warnings(w io.Writer, ws []string) error {
	if len(ws) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, s := range ws {
			fmt.Fprintln(w, "  "+s)
		}
	}
	_, err := fmt.Fprint(w)
	return err
}

func backwardTable(w io.Writer, r *cascade.BackResult) error {
	fmt.Fprintln(w, "Backwards trace (targets found compromised at the seed times)")
	for _, s := range settings(&r.Options) {
		fmt.Fprintln(w, "  "+strings.Replace(s, "Seeds:", "Targets:", 1))
	}
	fmt.Fprintln(w, "\nPatient zero candidates (no predecessor consistent with the times; most targets first):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tNODE\tKIND\tKNOWN\tDEADLINE\tTARGETS\tFIRST HOST\tCONFIDENCE\tPATH")
	for i, u := range r.PatientZero {
		known := "-"
		if u.Known {
			known = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%.3g\t%s\n", i+1, u.Node.ID, u.Kind, known, stamp(u.Deadline), len(u.Targets), orDash(u.FirstHost), u.Confidence, pathString(u.Path))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nUpstream nodes (deadline: the latest time each can have been compromised):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tDEADLINE\tTARGETS\tROOT\tCONFIDENCE\tPATH")
	for _, u := range r.Upstream {
		root := "-"
		if u.Root {
			root = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%.3g\t%s\n", u.Node.ID, u.Kind, stamp(u.Deadline), len(u.Targets), root, u.Confidence, pathString(r.Path(&u)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return warnings(w, r.Warnings)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
