package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/knowledge"
)

func runIntelShow(_ context.Context, e *env, args []string) error {
	var f intelFlags
	fs := newFlags(e, "intel show", "intel show [OPTIONS] ID-OR-NAME\n\nShow every indicator, advisory, incident and actor with this ID, value or name:\nits sources, references, and for an actor every alias with the source that uses it.")
	f.registerSources(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("intel show needs one ID or name")
	}
	in, err := f.load(e)
	if err != nil {
		return err
	}
	q := fs.Arg(0)
	sh := &shower{w: e.stdout, in: in, km: knowledge.Build(in)}
	n := sh.indicators(q) + sh.advisories(q) + sh.incidents(q) + sh.actors(q)
	if n == 0 {
		return fmt.Errorf("no indicator, advisory, incident or actor is called %q", q)
	}
	return nil
}

type shower struct {
	w  io.Writer
	in *intel.Intel
	km *knowledge.Model
}

func (s *shower) indicators(q string) int {
	n := 0
	for i := range s.in.Indicators {
		ind := &s.in.Indicators[i]
		if ind.ID != q && !strings.EqualFold(ind.Value, q) && ind.Pattern != q {
			continue
		}
		n++
		fmt.Fprintf(s.w, "Indicator %s\n  type: %s\n", ind.ID, ind.Type)
		s.field("value", ind.Value)
		s.field("pattern", ind.Pattern)
		s.field("pattern type", ind.PatternType)
		if ind.Type == intel.OtherPattern {
			fmt.Fprintf(s.w, "  not evaluated: cascade has no %s engine\n", ind.PatternType)
		}
		fmt.Fprintf(s.w, "  score: %d\n", ind.Score)
		s.field("description", ind.Description)
		if !ind.ValidFrom.IsZero() || !ind.ValidUntil.IsZero() {
			fmt.Fprintf(s.w, "  valid: %s to %s\n", timeOr(ind.ValidFrom.Format("2006-01-02T15:04:05Z07:00"), ind.ValidFrom.IsZero()),
				timeOr(ind.ValidUntil.Format("2006-01-02T15:04:05Z07:00"), ind.ValidUntil.IsZero()))
		}
		if ind.Revoked {
			fmt.Fprintln(s.w, "  revoked")
		}
		s.incidentLine(ind.Incident)
		s.sources(ind.Sources)
		s.list("reference", ind.References)
		s.list("tag", ind.Tags)
		fmt.Fprintln(s.w)
	}
	return n
}

func timeOr(s string, zero bool) string {
	if zero {
		return "(open)"
	}
	return s
}

func (s *shower) advisories(q string) int {
	n := 0
	for _, a := range s.in.Advisories {
		if a.ID != q && !strings.EqualFold(a.Product, q) {
			continue
		}
		n++
		fmt.Fprintf(s.w, "Advisory %s\n  title: %s\n  product: %s\n", a.ID, a.Title, a.Product)
		s.field("vendor", a.Vendor)
		s.list("alias", a.Aliases)
		for _, af := range a.Affected {
			fmt.Fprintf(s.w, "  affected: platform %q versions %v ranges %v fixed %q\n", af.Platform, af.Versions, af.Ranges, af.Fixed)
		}
		fmt.Fprintf(s.w, "  score: %d\n", a.Score)
		s.field("remediation", a.Remediation)
		s.incidentLine(a.Incident)
		s.sources(a.Sources)
		s.list("reference", a.References)
		fmt.Fprintln(s.w)
	}
	return n
}

func (s *shower) incidents(q string) int {
	n := 0
	for _, inc := range s.in.Incidents {
		if inc.ID != q && !strings.EqualFold(inc.Name, q) {
			continue
		}
		n++
		fmt.Fprintf(s.w, "Incident %s\n  name: %s\n", inc.ID, inc.Name)
		s.field("summary", inc.Summary)
		for _, id := range inc.Actors {
			fmt.Fprintf(s.w, "  actor: %s\n", s.actorLabel(id))
		}
		s.list("malware", inc.Malware)
		s.list("related", inc.Related)
		for _, r := range inc.Relations {
			v := r.Incident + ": " + r.Relation
			if r.Reference != "" {
				v += " (source: " + r.Reference + ")"
			}
			s.field("relation", v)
		}
		s.field("remediation", inc.Remediation)
		for _, c := range s.km.Conflicts {
			if c.Incident == inc.ID {
				fmt.Fprintf(s.w, "  CONFLICT: %s\n", claimsText(c))
			}
		}
		s.sources(inc.Sources)
		s.list("reference", inc.References)
		fmt.Fprintln(s.w)
	}
	return n
}

func (s *shower) actors(q string) int {
	ents := s.km.Find(q)
	for _, ent := range ents {
		fmt.Fprintf(s.w, "Actor %s (%s: %s)\n", ent.Name, ent.Class, strings.Join(ent.Kinds, ", "))
		fmt.Fprintf(s.w, "  records: %s\n", strings.Join(ent.Actors, ", "))
		fmt.Fprintln(s.w, "  aliases:")
		for _, al := range ent.Aliases {
			src := al.Source
			if src == "" {
				src = "(no source named)"
			}
			fmt.Fprintf(s.w, "    %-30s used by %s\n", al.Name, src)
		}
		for _, d := range ent.Descriptions {
			s.field("description", d)
		}
		for _, id := range ent.Incidents {
			s.incidentLine(id)
		}
		s.sources(ent.Sources)
		fmt.Fprintln(s.w)
	}
	return len(ents)
}

func (s *shower) actorLabel(id string) string {
	ent := s.km.Of(id)
	if ent == nil {
		return id
	}
	return fmt.Sprintf("%s (%s; also known as %s)", ent.Name, id, strings.Join(ent.AliasNames(), ", "))
}

func (s *shower) incidentLine(id string) {
	if id == "" {
		return
	}
	if inc := s.in.Incident(id); inc != nil {
		var actors []string
		for _, a := range inc.Actors {
			if x := s.in.Actor(a); x != nil {
				actors = append(actors, x.Name)
			}
		}
		fmt.Fprintf(s.w, "  incident: %s (%s)", inc.Name, id)
		if len(actors) > 0 {
			fmt.Fprintf(s.w, ", actors: %s", strings.Join(actors, ", "))
		}
		fmt.Fprintln(s.w)
		return
	}
	fmt.Fprintf(s.w, "  incident: %s\n", id)
}

func (s *shower) sources(ids []string) {
	for _, id := range ids {
		if src := s.in.Source(id); src != nil {
			fmt.Fprintf(s.w, "  source: %s — %s (%s %s)\n", id, src.Name, src.Kind, src.Location)
		} else {
			fmt.Fprintf(s.w, "  source: %s\n", id)
		}
	}
}

func (s *shower) field(name, v string) {
	if v != "" {
		fmt.Fprintf(s.w, "  %s: %s\n", name, v)
	}
}

func (s *shower) list(name string, vs []string) {
	for _, v := range vs {
		fmt.Fprintf(s.w, "  %s: %s\n", name, v)
	}
}
