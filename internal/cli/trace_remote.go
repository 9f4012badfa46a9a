package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// runRemote runs the trace on a fleet server, over the graph it derives
// from its store; declared edges and deliveries go along with the request.
func (o *traceOptions) runRemote(ctx context.Context, e *env) error {
	if len(o.graphs) > 0 || len(o.provenance) > 0 || o.key != "" {
		return usagef("--graph and --provenance read local files; against --server give --declared and --deliveries only")
	}
	if len(o.sboms) > 0 {
		return usagef("--sbom reads a local file; on a server, import the SBOM (cascade client import-snapshot) and every trace uses it")
	}
	if o.maxDepth < 0 || o.skew < 0 {
		return usagef("--max-depth and --skew cannot be negative")
	}
	req := fleet.TraceRequest{At: o.at, MaxDepth: o.maxDepth, Exclude: o.exclude, Backwards: o.backwards}
	if o.skew > 0 {
		req.Skew = o.skew.String()
	}
	topts, err := o.traceOptions()
	if err != nil {
		return err
	}
	req.Exclude = nil
	for _, k := range topts.Exclude {
		req.Exclude = append(req.Exclude, k.String())
	}
	for k, c := range topts.Confidence {
		if req.Confidence == nil {
			req.Confidence = map[string]float64{}
		}
		req.Confidence[k.String()] = c
	}
	for _, s := range topts.Seeds {
		ts := fleet.TraceSeed{Node: s.Node}
		if !s.Time.IsZero() {
			ts.Time = s.Time.UTC().Format(time.RFC3339)
		}
		req.Seeds = append(req.Seeds, ts)
	}
	if req.Declared, err = readAll(o.declared); err != nil {
		return err
	}
	if req.Deliveries, err = readAll(o.deliveries); err != nil {
		return err
	}
	c, err := o.api.client(e)
	if err != nil {
		return err
	}
	if o.publish != "" && o.save == "" {
		if o.backwards {
			return usagef("--publish: only a forward trace derives intel to publish")
		}
		st, err := c.PublishTAXII(ctx, o.publish, fleet.TAXIIPublishRequest{Trace: &req})
		if err != nil {
			return err
		}
		return printTAXIIStatus(e, st)
	}
	if o.save != "" {
		d, err := c.SaveTrace(ctx, fleet.SaveTraceRequest{Name: o.save, PublishTo: o.publish, Watch: o.watch, TraceRequest: req})
		if err != nil {
			return err
		}
		if o.format == "json" {
			return writeJSONOut(e, d)
		}
		fmt.Fprintf(e.stderr, "saved as trace %d; see it with: cascade client trace show %d\n", d.ID, d.ID)
		return writeSavedTrace(e.stdout, d)
	}
	any, err := c.Trace(ctx, req, o.format, e.stdout)
	if err != nil {
		return err
	}
	return found(any)
}

func readAll(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}
