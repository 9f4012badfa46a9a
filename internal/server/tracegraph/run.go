package tracegraph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/input"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// ErrRequest is wrapped by errors in a trace request (a bad kind, time,
// or declared file); cascade.ErrBadSeed by errors about its seeds.
var ErrRequest = errors.New("bad trace request")

func badf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRequest, fmt.Sprintf(format, a...))
}

// Outcome is a trace's result: Forward or Backward is set.
type Outcome struct {
	Forward  *cascade.Result
	Backward *cascade.BackResult
	// Hosts maps host node ids to store ids.
	Hosts map[string]int64
	// Into maps each node to the hosts with an edge into it (Source.Into).
	Into map[string][]string
	// Incidents are the incident seeds as given, each with the hosts it
	// stood for.
	Incidents map[string][]Compromise
}

// Run traces over the store's graph, the trace inputs the server keeps,
// and the request's own declared edges and deliveries. now bounds At: a trace of the future is refused.
func Run(ctx context.Context, st store.Store, req fleet.TraceRequest, now time.Time) (*Outcome, error) {
	o, err := Options(req, now)
	if err != nil {
		return nil, err
	}
	b, hosts := cascade.NewBuilder(), map[string]int64{}
	into, incidents := map[string][]string{}, map[string][]Compromise{}
	if err := b.Load(ctx, Source{Store: st, Hosts: hosts, Into: into, Incidents: incidents}); err != nil {
		return nil, err
	}
	out := &Outcome{Hosts: hosts, Into: into, Incidents: map[string][]Compromise{}}
	for _, sd := range req.Seeds {
		name, ok := strings.CutPrefix(sd.Node, IncidentPrefix)
		if !ok {
			continue
		}
		cs := incidents[strings.ToLower(strings.TrimSpace(name))]
		if len(cs) == 0 {
			return nil, fmt.Errorf("%w: %q: no host has an alert-level finding of incident %q (false positives do not count)",
				cascade.ErrBadSeed, sd.Node, name)
		}
		out.Incidents[sd.Node] = cs
		for _, c := range cs {
			t := c.Time
			if req.Backwards {
				t = o.At // found compromised by the time of the trace
			}
			if t.After(o.At) {
				return nil, fmt.Errorf("%w: %q: %s is compromised from %s, after the trace time %s", cascade.ErrBadSeed,
					sd.Node, c.Node, t.Format(time.RFC3339), o.At.Format(time.RFC3339))
			}
			o.Seeds = append(o.Seeds, cascade.Seed{Node: c.Node, Time: t})
		}
	}
	if err := loadInputs(ctx, st, b, nil); err != nil {
		return nil, err
	}
	if err := loadTexts(req, b); err != nil {
		return nil, err
	}
	g, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	if req.Backwards {
		out.Backward, err = cascade.Backtrace(ctx, g, o)
		return out, err
	}
	out.Forward, err = cascade.Trace(ctx, g, o)
	return out, err
}

func loadTexts(req fleet.TraceRequest, b *cascade.Builder) error {
	for i, d := range req.Declared {
		name := fmt.Sprintf("declared[%d]", i)
		var err error
		if t := trimLeft(d); t != "" && t[0] == '{' {
			err = input.LoadGraph(name, []byte(d), b)
		} else {
			err = input.LoadDeclaredCSV(name, []byte(d), b)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrRequest, err)
		}
	}
	for i, d := range req.Deliveries {
		if err := input.LoadDeliveries(fmt.Sprintf("deliveries[%d]", i), []byte(d), b); err != nil {
			return fmt.Errorf("%w: %w", ErrRequest, err)
		}
	}
	return nil
}

func trimLeft(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\n' || s[0] == '\r' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// Options checks a request and turns it into trace options.
func Options(req fleet.TraceRequest, now time.Time) (cascade.Options, error) {
	o := cascade.Options{MaxDepth: req.MaxDepth, At: now.UTC().Truncate(time.Second)}
	if req.At != "" {
		at, err := input.ParseTime(req.At)
		if err != nil {
			return o, badf("at: %v", err)
		}
		if at.After(now) {
			return o, badf("at %s is in the future", at.Format(time.RFC3339))
		}
		o.At = at
	}
	if req.MaxDepth < 0 {
		return o, badf("max_depth cannot be negative")
	}
	if req.Skew != "" {
		d, err := time.ParseDuration(req.Skew)
		if err != nil || d < 0 {
			return o, badf("skew %q: want a duration such as 5m, not negative", req.Skew)
		}
		o.Skew = d
	}
	for _, x := range req.Exclude {
		k, err := cascade.ParseEdgeKind(x)
		if err != nil {
			return o, badf("exclude: %v", err)
		}
		o.Exclude = append(o.Exclude, k)
	}
	for name, c := range req.Confidence {
		k, err := cascade.ParseEdgeKind(name)
		if err != nil || !(c >= 0 && c <= 1) {
			return o, badf("confidence %s=%v: want an edge kind and a number in [0, 1]", name, c)
		}
		if o.Confidence == nil {
			o.Confidence = map[cascade.EdgeKind]float64{}
		}
		o.Confidence[k] = c
	}
	if len(req.Seeds) == 0 {
		return o, fmt.Errorf("%w: no seed to trace from", cascade.ErrBadSeed)
	}
	for _, s := range req.Seeds {
		if strings.HasPrefix(s.Node, IncidentPrefix) {
			// Run expands it into the incident's hosts, once the graph
			// is loaded; each host's time comes from its findings.
			if s.Time != "" {
				return o, fmt.Errorf("%w: %q: an incident seed takes each host's time from its findings; give no time",
					cascade.ErrBadSeed, s.Node)
			}
			continue
		}
		sd := cascade.Seed{Node: s.Node, Time: o.At}
		switch {
		case s.Time != "":
			t, err := input.ParseTime(s.Time)
			if err != nil {
				return o, fmt.Errorf("%w: %q: %v", cascade.ErrBadSeed, s.Node, err)
			}
			sd.Time = t
		case !req.Backwards:
			return o, fmt.Errorf("%w: %q has no time: a forward seed needs the time it was compromised", cascade.ErrBadSeed, s.Node)
		}
		o.Seeds = append(o.Seeds, sd)
	}
	return o, nil
}

// ParseSeed splits NODE@TIME at the last '@' when what follows is a time
// (release ids hold an '@' themselves).
func ParseSeed(s string) fleet.TraceSeed {
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		if _, err := input.ParseTime(s[i+1:]); err == nil {
			return fleet.TraceSeed{Node: s[:i], Time: s[i+1:]}
		}
	}
	return fleet.TraceSeed{Node: s}
}
