package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/input"
	"github.com/cascade-ir/cascade/internal/cascade/output"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

type traceOptions struct {
	graphs, declared, deliveries, provenance []string
	sboms                                    []string
	key                                      string
	from, exclude, confidence                []string
	at                                       string
	maxDepth                                 int
	skew                                     time.Duration
	backwards                                bool
	format                                   string
	save                                     string
	api                                      apiFlags
	// publish names a TAXII collection of the server to publish the
	// forward trace's derived intel (STIX) into, instead of printing it.
	publish string
	// watch keeps a saved trace that cannot run yet (an incident not yet found).
	watch bool
}

// listFlag is a repeatable string flag.
type listFlag struct{ v *[]string }

func (l listFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.Join(*l.v, ",")
}

func (l listFlag) Set(s string) error { *l.v = append(*l.v, s); return nil }

func runTrace(ctx context.Context, e *env, args []string) error {
	var o traceOptions
	fs := newFlags(e, "trace", "trace (--graph FILE [--provenance FILE] | --server URL [--token-file F] [--pin SHA256|--ca-cert PEM]) [--declared FILE] [--deliveries FILE] [--sbom FILE] --from NODE[@TIME] [--at TIME] [--max-depth N] [--exclude KIND] [--confidence KIND=X] [--skew DURATION] [--backwards] [--format table|json|dot|stix] [--save NAME]")
	o.api.register(fs)
	fs.Var(listFlag{&o.graphs}, "graph", "a graph file (JSON, docs/trace.md); repeatable")
	fs.Var(listFlag{&o.declared}, "declared", "declared edges (CSV, or a JSON graph file); repeatable")
	fs.Var(listFlag{&o.deliveries}, "deliveries", "a delivery list (CSV or JSON): release, customer, delivered_at; repeatable")
	fs.Var(listFlag{&o.sboms}, "sbom", "a CycloneDX or SPDX SBOM (JSON; CycloneDX XML, SPDX tag-value): its subject release depends on each component, at the SBOM's time; repeatable (local traces; on a server, import SBOMs with cascade client import-snapshot)")
	fs.Var(listFlag{&o.provenance}, "provenance", "SLSA provenance v1 (in-toto statement or DSSE envelope, JSON or JSON Lines); repeatable")
	fs.StringVar(&o.key, "provenance-key", "", "PEM public key (or certificate) that DSSE envelopes must verify with; without it they are shown unverified")
	fs.Var(listFlag{&o.from}, "from", "a seed: NODE or NODE@TIME (RFC 3339 or a date); repeatable. Forward: when it was compromised (default: the node's known compromise time); backwards: when it was found compromised (default --at)")
	fs.StringVar(&o.at, "at", "", "trace as of this time: later edges are ignored, later seeds refused (default now)")
	fs.IntVar(&o.maxDepth, "max-depth", 0, "at most this many hops on a path (0: no limit)")
	fs.Var(listFlag{&o.exclude}, "exclude", "leave out an edge kind (ran, built-on, reaches, shipped-to, depends-on); repeatable or comma-separated")
	fs.Var(listFlag{&o.confidence}, "confidence", "weigh an edge kind: KIND=X with X in [0, 1]; repeatable")
	fs.DurationVar(&o.skew, "skew", 0, "clock-skew tolerance between hosts (e.g. 5m): an edge still counts if it ended this much before the compromise arrived")
	fs.BoolVar(&o.backwards, "backwards", false, "trace backwards from the seeds (the compromised set) to patient zero")
	fs.StringVar(&o.format, "format", "table", "output: "+strings.Join(output.Formats, ", "))
	fs.StringVar(&o.save, "save", "", "with --server: keep the trace on the server under this name; it is recomputed when new findings change it (cascade client trace show ID)")
	fs.StringVar(&o.publish, "publish", "", "with --server, forward only: publish the derived intel (STIX) into this TAXII collection of the server; with --save, again whenever the saved trace's result changes")
	fs.BoolVar(&o.watch, "watch", false, "with --save: keep the trace even if it cannot run yet (an incident: seed no host has a finding of); the first finding computes it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q (inputs are given with --graph and friends)", fs.Args())
	}
	return o.run(ctx, e)
}

func (o *traceOptions) run(ctx context.Context, e *env) error {
	if len(o.from) == 0 {
		return usagef("no --from seed given")
	}
	if !slices.Contains(output.Formats, o.format) || o.backwards && o.format == "stix" {
		return usagef("--format %q: want table, json, dot, or (forward only) stix", o.format)
	}
	if o.watch && o.save == "" {
		return usagef("--watch keeps a saved trace: give --save")
	}
	if o.api.conn.server != "" || len(o.graphs) == 0 && len(o.sboms) == 0 && e.getenv("CASCADE_SERVER") != "" {
		return o.runRemote(ctx, e)
	}
	if len(o.graphs) == 0 && len(o.sboms) == 0 {
		return usagef("no --graph, --sbom or --server given")
	}
	if o.save != "" {
		return usagef("--save keeps a trace on a server: give --server")
	}
	if o.publish != "" {
		return usagef("--publish needs --server: the collection is the server's")
	}
	srcs, err := o.sources()
	if err != nil {
		return err
	}
	topts, err := o.traceOptions()
	if err != nil {
		return err
	}
	g, err := cascade.Load(ctx, srcs...)
	if err != nil {
		return err
	}
	if err := o.seedTimes(g, &topts); err != nil {
		return err
	}
	if o.format == "dot" || o.format == "stix" {
		for _, w := range g.Warnings() {
			fmt.Fprintln(e.stderr, "cascade trace: warning:", w)
		}
	}
	if o.backwards {
		r, err := cascade.Backtrace(ctx, g, topts)
		if err != nil {
			return err
		}
		if err := output.Backward(e.stdout, o.format, r); err != nil {
			return err
		}
		return found(len(r.PatientZero) > 0)
	}
	r, err := cascade.Trace(ctx, g, topts)
	if err != nil {
		return err
	}
	if err := output.Forward(e.stdout, o.format, r); err != nil {
		return err
	}
	return found(r.Count() > len(topts.Seeds))
}

// found: exit 1 when the trace reached something.
func found(any bool) error {
	if any {
		return errFindings
	}
	return nil
}

func (o *traceOptions) sources() ([]cascade.Source, error) {
	var srcs []cascade.Source
	for _, p := range o.graphs {
		srcs = append(srcs, input.GraphFile{Path: p})
	}
	for _, p := range o.declared {
		srcs = append(srcs, input.Declared{Path: p})
	}
	for _, p := range o.deliveries {
		srcs = append(srcs, input.Deliveries{Path: p})
	}
	prov := input.Provenance{}
	if o.key != "" {
		k, err := input.LoadPublicKey(o.key)
		if err != nil {
			return nil, fmt.Errorf("--provenance-key: %w", err)
		}
		prov.Key, prov.KeyName = k, o.key
	}
	for _, p := range o.provenance {
		prov.Path = p
		srcs = append(srcs, prov)
	}
	for _, p := range o.sboms { // last: a node a graph file declares keeps its name
		srcs = append(srcs, tracegraph.SBOMFile{Path: p})
	}
	return srcs, nil
}

func (o *traceOptions) traceOptions() (cascade.Options, error) {
	t := cascade.Options{MaxDepth: o.maxDepth, Skew: o.skew, At: time.Now().UTC().Truncate(time.Second)}
	if o.maxDepth < 0 || o.skew < 0 {
		return t, usagef("--max-depth and --skew cannot be negative")
	}
	if o.at != "" {
		at, err := input.ParseTime(o.at)
		if err != nil {
			return t, usagef("--at: %v", err)
		}
		t.At = at
	}
	for _, x := range o.exclude {
		for _, name := range strings.Split(x, ",") {
			k, err := cascade.ParseEdgeKind(strings.TrimSpace(name))
			if err != nil {
				return t, usagef("--exclude: %v", err)
			}
			t.Exclude = append(t.Exclude, k)
		}
	}
	for _, c := range o.confidence {
		name, val, ok := strings.Cut(c, "=")
		k, err := cascade.ParseEdgeKind(name)
		x, perr := strconv.ParseFloat(val, 64)
		if !ok || err != nil || perr != nil || x < 0 || x > 1 {
			return t, usagef("--confidence %q: want KIND=X, KIND an edge kind and X in [0, 1]", c)
		}
		if t.Confidence == nil {
			t.Confidence = map[cascade.EdgeKind]float64{}
		}
		t.Confidence[k] = x
	}
	for _, f := range o.from {
		t.Seeds = append(t.Seeds, parseSeed(f))
	}
	return t, nil
}

// parseSeed splits NODE@TIME at the last '@' when what follows is a time;
// node ids may hold '@' themselves (release:name@version).
func parseSeed(s string) cascade.Seed {
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		if t, err := input.ParseTime(s[i+1:]); err == nil {
			return cascade.Seed{Node: s[:i], Time: t}
		}
	}
	return cascade.Seed{Node: s}
}

// seedTimes fills in seeds given without a time: forward, the node's
// known compromise time; backwards, --at.
func (o *traceOptions) seedTimes(g *cascade.Graph, t *cascade.Options) error {
	for i := range t.Seeds {
		s := &t.Seeds[i]
		if !s.Time.IsZero() {
			continue
		}
		if o.backwards {
			s.Time = t.At
			continue
		}
		n, ok := g.Node(s.Node)
		if !ok {
			return fmt.Errorf("--from %s: %w", s.Node, errors.Join(cascade.ErrBadSeed, errors.New("no such node in the graph")))
		}
		if n.Compromised.IsZero() {
			return usagef("--from %s: give a time (NODE@TIME): the graph does not say when it was compromised", s.Node)
		}
		s.Time = n.Compromised
	}
	return nil
}

var _ flag.Value = listFlag{}
