package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/knowledge"
)

func runIntelList(_ context.Context, e *env, args []string) error {
	var f intelFlags
	fs := newFlags(e, "intel list", "intel list [OPTIONS]\n\nSummarize the intel scan would load: sources, indicators by type, validity now,\npatterns kept but not evaluated, warninglists, actors and conflicting attributions.")
	f.registerSources(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("intel list takes no arguments; use --intel FILE to add files")
	}
	in, err := f.load(e)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	listSources(w, in)
	listCounts(w, in, time.Now())
	listNotEvaluated(w, in)
	listKnowledge(w, in)
	for _, wl := range in.Warninglists {
		fmt.Fprintf(w, "Warninglist\t%s\t%s, %d entries\n", wl.Name, wl.Kind, len(wl.Entries))
	}
	for _, msg := range in.Warnings {
		fmt.Fprintf(w, "Warning\t%s\n", msg)
	}
	return w.Flush()
}

func listSources(w io.Writer, in *intel.Intel) {
	per := map[string]int{}
	for _, ind := range in.Indicators {
		for _, s := range ind.Sources {
			per[s]++
		}
	}
	for _, h := range in.HashLists {
		per[h.Source] += h.Len()
	}
	fmt.Fprintf(w, "SOURCE\tKIND\tINDICATORS\tNAME\n")
	for _, s := range in.Sources {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", s.ID, s.Kind, per[s.ID], s.Name)
	}
	fmt.Fprintln(w)
}

func listCounts(w io.Writer, in *intel.Intel, now time.Time) {
	counts := in.Counts()
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	var parts []string
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	fmt.Fprintf(w, "Counts\t%s\n", strings.Join(parts, ", "))
	var active, expired, future, revoked int
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		switch {
		case ind.Revoked:
			revoked++
		case !ind.ValidUntil.IsZero() && !now.Before(ind.ValidUntil):
			expired++
		case !ind.ValidFrom.IsZero() && now.Before(ind.ValidFrom):
			future++
		default:
			active++
		}
	}
	fmt.Fprintf(w, "Validity now\tactive %d, expired %d, not yet valid %d, revoked %d\n", active, expired, future, revoked)
	fmt.Fprintf(w, "Incidents\t%d\n", len(in.Incidents))
}

func listNotEvaluated(w io.Writer, in *intel.Intel) {
	for _, ind := range in.Indicators {
		if ind.Type == intel.OtherPattern {
			fmt.Fprintf(w, "Not evaluated\t%s\t%s pattern from %s\n", ind.ID, ind.PatternType, strings.Join(ind.Sources, ", "))
		}
	}
}

func listKnowledge(w io.Writer, in *intel.Intel) {
	m := knowledge.Build(in)
	fmt.Fprintf(w, "Actors\t%d records merged into %d (actors, campaigns, malware)\n", len(in.Actors), len(m.Entities))
	for _, c := range m.Conflicts {
		fmt.Fprintf(w, "Conflict\t%s\t%s\n", c.Incident, claimsText(c))
	}
}

// claimsText renders a conflict's claims: "UNC4736 (per s1) vs Lazarus (per s2)".
func claimsText(c knowledge.Conflict) string {
	var parts []string
	for _, cl := range c.Claims {
		parts = append(parts, fmt.Sprintf("%s (per %s)", cl.Entity, strings.Join(cl.Sources, ", ")))
	}
	return "attributed to " + strings.Join(parts, " vs ")
}
