package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// The DOT graphs draw each node once and the arcs of the best paths.

func forwardDOT(w io.Writer, r *cascade.Result) error {
	var sb strings.Builder
	sb.WriteString("digraph cascade {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n")
	fmt.Fprintf(&sb, "  label=%s;\n", strconv.Quote("forward trace as of "+stamp(r.At)+", clock-skew tolerance "+r.Skew.String()))
	reached := r.Reached()
	for _, re := range reached {
		attrs := ""
		switch {
		case re.Seed:
			attrs = ", shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\""
		case re.Suspect:
			attrs = ", style=filled, fillcolor=\"#ea9999\""
		}
		label := fmt.Sprintf("%s\n%s\n%s  conf %.3g", re.Node.ID, re.Kind, stamp(re.Time), re.Confidence)
		fmt.Fprintf(&sb, "  %s [label=%s%s];\n", strconv.Quote(re.Node.ID), strconv.Quote(label), attrs)
	}
	for _, re := range reached {
		if n := len(re.Path); n > 1 {
			writeArc(&sb, re.Path[n-1].Via, stamp(re.Time))
		}
	}
	sb.WriteString("}\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

func writeArc(sb *strings.Builder, a *cascade.Arc, when string) {
	label := a.Kind.String() + "\n" + when
	style := ""
	if a.Evidence != nil {
		label += "\n" + a.Evidence.Source
		if a.Evidence.Unverified {
			label += " (unverified)"
			style = ", style=dashed"
		}
	}
	fmt.Fprintf(sb, "  %s -> %s [label=%s%s];\n", strconv.Quote(a.Src), strconv.Quote(a.Dst), strconv.Quote(label), style)
}

func backwardDOT(w io.Writer, r *cascade.BackResult) error {
	var sb strings.Builder
	sb.WriteString("digraph cascade {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n")
	fmt.Fprintf(&sb, "  label=%s;\n", strconv.Quote("backwards trace as of "+stamp(r.At)+", clock-skew tolerance "+r.Skew.String()))
	pz := map[string]int{}
	for i, u := range r.PatientZero {
		pz[u.Node.ID] = i + 1
	}
	targets := map[string]bool{}
	for _, s := range r.Seeds {
		targets[s.Node] = true
	}
	for _, u := range r.Upstream {
		attrs := ""
		label := fmt.Sprintf("%s\n%s\ndeadline %s\n%d targets", u.Node.ID, u.Kind, stamp(u.Deadline), len(u.Targets))
		switch {
		case targets[u.Node.ID]:
			attrs = ", shape=doubleoctagon"
		case pz[u.Node.ID] > 0:
			label += fmt.Sprintf("\npatient zero #%d", pz[u.Node.ID])
			attrs = ", style=filled, fillcolor=\"#f4cccc\""
		}
		fmt.Fprintf(&sb, "  %s [label=%s%s];\n", strconv.Quote(u.Node.ID), strconv.Quote(label), attrs)
	}
	for _, u := range r.Upstream {
		if p := r.Path(&u); len(p) > 1 {
			writeArc(&sb, p[1].Via, "by "+stamp(p[1].Time))
		}
	}
	sb.WriteString("}\n")
	_, err := io.WriteString(w, sb.String())
	return err
}
