package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	"github.com/cascade-ir/cascade/internal/store"
)

// Retro-trace (docs/trace.md): a saved trace is recomputed when a hunt or
// an upload adds a finding on a host it reached, on a host with an edge
// into what it reached, on a host running a release it reached, or of an
// incident its seeds name. The work is off the ingest path: findings are
// queued in memory, one goroutine per replica records at once which saved
// traces they touch in the store's queue (which survives a restart), and
// recomputes those after a quiet delay, one trace at a time; the store's
// version check keeps two replicas from storing the same version twice.

// retroActor is the audit log's actor for recomputations nobody asked for.
const retroActor = "retro-trace"

// maxRetroEvents bounds the queue; past it every saved trace is
// recomputed (the events are dropped, not the recomputation).
const maxRetroEvents = 10000

// maxSavedNodes bounds what a saved result keeps.
const maxSavedNodes = 100000

// retroEvent is one finding a hunt or an upload added or updated.
type retroEvent struct {
	hostID    int64
	finding   string
	incidents []string // id and name, lower case
	release   string   // the release node of a software finding
	origin    string
}

type retro struct {
	s     *Server
	delay time.Duration
	wake  chan struct{}

	mu      sync.Mutex
	pending []retroEvent
	all     bool // the queue overflowed: recompute every trace
	// busy are the traces being recomputed now (one at a time each).
	busy map[int64]bool
}

func newRetro(s *Server, delay time.Duration) *retro {
	return &retro{s: s, delay: delay, wake: make(chan struct{}, 1), busy: map[int64]bool{}}
}

// found queues the findings of hits; it never blocks and never fails.
func (rt *retro) found(hits []store.Hit, origin string) {
	if rt == nil || len(hits) == 0 {
		return
	}
	rt.mu.Lock()
	for _, h := range hits {
		f := h.Finding
		if f.Level != finding.Alert && finding.LevelOf(f.Score) != finding.Alert {
			continue // only what counts as a compromise changes a trace
		}
		if len(rt.pending) >= maxRetroEvents {
			rt.all, rt.pending = true, nil
		}
		if rt.all {
			continue
		}
		ev := retroEvent{hostID: h.HostID, finding: f.ID, origin: origin}
		if f.Incident != nil {
			ev.incidents = []string{strings.ToLower(f.Incident.ID), strings.ToLower(f.Incident.Name)}
		}
		if f.Evidence.Kind == finding.EvidenceSoftware && f.Evidence.Product != "" && f.Evidence.Version != "" {
			ev.release = tracegraph.ReleaseID(f.Evidence.Product, f.Evidence.Version)
		}
		rt.pending = append(rt.pending, ev)
	}
	rt.mu.Unlock()
	select {
	case rt.wake <- struct{}{}:
	default:
	}
}

// loop recomputes saved traces after findings arrive. At start-up it
// drains what an earlier run queued in the store and did not recompute;
// then, each time findings arrive, it records at once which saved traces
// they touch (in the store, so a restart loses nothing), and recomputes
// delay after the first, so a hunt's batches are taken together.
func (rt *retro) loop(ctx context.Context) {
	rt.logErr(ctx, rt.recomputeQueued(ctx)) // findings already in memory woke the loop: taken next
	for {
		select {
		case <-ctx.Done():
			return
		case <-rt.wake:
		}
		rt.logErr(ctx, rt.enqueue(ctx))
		timer := time.NewTimer(rt.delay)
	wait:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-rt.wake: // more findings during the delay: recorded now, recomputed with the rest
				rt.logErr(ctx, rt.enqueue(ctx))
			case <-timer.C:
				break wait
			}
		}
		rt.logErr(ctx, rt.drain(ctx))
	}
}

func (rt *retro) logErr(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		rt.s.log.Error("retro-trace", "err", err)
	}
}

// enqueue takes the findings queued in memory and records in the store's
// queue every saved trace they touch, with why. On failure the findings
// go back to the memory queue for the next try.
func (rt *retro) enqueue(ctx context.Context) error {
	rt.mu.Lock()
	evs, all := rt.pending, rt.all
	rt.pending, rt.all = nil, false
	rt.mu.Unlock()
	if len(evs) == 0 && !all {
		return nil
	}
	err := rt.match(ctx, evs, all)
	if err != nil {
		rt.mu.Lock()
		if all || len(rt.pending)+len(evs) > maxRetroEvents {
			rt.all, rt.pending = true, nil
		} else if !rt.all {
			rt.pending = append(evs, rt.pending...)
		}
		rt.mu.Unlock()
	}
	return err
}

func (rt *retro) match(ctx context.Context, evs []retroEvent, all bool) error {
	traces, err := rt.s.st.SavedTraces(ctx)
	if err != nil {
		return fmt.Errorf("retro-trace: %w", err)
	}
	var errs []error
	for _, t := range traces {
		last, err := rt.lastVersion(ctx, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		why, ids := touched(last, evs, all)
		if why == "" {
			continue
		}
		now := rt.s.now().UTC()
		err = rt.s.st.QueueTraceRecompute(ctx, store.TraceRecompute{TraceID: t.ID, Reason: why, Findings: ids, Enqueued: now, Updated: now})
		if err != nil && !errors.Is(err, store.ErrNotFound) { // a trace deleted meanwhile needs nothing
			errs = append(errs, fmt.Errorf("trace %d (%s): %w", t.ID, t.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (rt *retro) lastVersion(ctx context.Context, t fleet.SavedTrace) (*fleet.TraceVersion, error) {
	if t.Version == 0 {
		return nil, nil
	}
	vs, err := rt.s.st.TraceVersions(ctx, t.ID, 1)
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return &vs[0], nil
}

// drain records what the findings queued in memory touch, then
// recomputes the store's queue.
func (rt *retro) drain(ctx context.Context) error {
	return errors.Join(rt.enqueue(ctx), rt.recomputeQueued(ctx))
}

// recomputeQueued recomputes every saved trace in the store's queue,
// oldest first, and removes its entry unless it was queued again
// meanwhile. It is idempotent: recomputing a trace whose result has not
// changed stores no version, so an entry left by a restart between the
// new version and the entry's removal shows no spurious change.
func (rt *retro) recomputeQueued(ctx context.Context) error {
	qs, err := rt.s.st.TraceRecomputes(ctx)
	if err != nil {
		return fmt.Errorf("retro-trace: %w", err)
	}
	var errs []error
	retry := false
	for _, q := range qs {
		if ctx.Err() != nil {
			break // the entries left are taken at the next start
		}
		t, err := rt.s.st.SavedTrace(ctx, q.TraceID)
		if errors.Is(err, store.ErrNotFound) { // deleted meanwhile: nothing to do
			if _, err := rt.s.st.DoneTraceRecompute(ctx, q.TraceID, q.Gen); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		var last *fleet.TraceVersion
		if err == nil {
			last, err = rt.lastVersion(ctx, t)
		}
		if err != nil {
			retry = true
			errs = append(errs, fmt.Errorf("retro-trace: trace %d: %w", q.TraceID, err))
			continue
		}
		_, _, err = rt.recompute(ctx, t, last, q.Reason, retroActor)
		if errors.Is(err, errTraceBusy) {
			retry = true // someone is recomputing it now; keep the entry and come back
			continue
		}
		if err != nil {
			retry = true // the entry stays: try again after the next delay
			errs = append(errs, fmt.Errorf("trace %d (%s): %w", t.ID, t.Name, err))
			continue
		}
		if _, err := rt.s.st.DoneTraceRecompute(ctx, q.TraceID, q.Gen); err != nil {
			errs = append(errs, err)
		}
	}
	if retry && ctx.Err() == nil {
		select {
		case rt.wake <- struct{}{}:
		default:
		}
	}
	return errors.Join(errs...)
}

// touches says why the findings make a saved trace worth recomputing, or
// "" when they do not.
func touches(last *fleet.TraceVersion, evs []retroEvent, all bool) string {
	why, _ := touched(last, evs, all)
	return why
}

// touched is touches with the ids of the findings that touch the trace
// (none when the reason is not one finding's).
func touched(last *fleet.TraceVersion, evs []retroEvent, all bool) (string, []string) {
	if all {
		return "many new findings", nil
	}
	if last == nil || last.Error != "" {
		return "new findings; the last computation failed", nil
	}
	r := &last.Result
	nodes := make(map[string]bool, len(r.Nodes))
	for _, n := range r.Nodes {
		nodes[n.ID] = true
	}
	var why, ids []string
	for _, ev := range evs {
		var how string
		switch {
		case slices.Contains(r.Watch, ev.hostID):
			how = "on a host the trace reached or that reaches into it"
		case slices.ContainsFunc(ev.incidents, func(i string) bool { return i != "" && slices.Contains(r.Incidents, i) }):
			how = "of incident " + ev.incidents[0] + ", a seed"
		case ev.release != "" && nodes[ev.release]:
			how = "running " + ev.release + ", which the trace reached"
		default:
			continue
		}
		why = append(why, fmt.Sprintf("finding %s (%s) %s", ev.finding, ev.origin, how))
		if !slices.Contains(ids, ev.finding) {
			ids = append(ids, ev.finding)
		}
	}
	if len(why) > 3 {
		why = append(why[:3], fmt.Sprintf("and %d more", len(why)-3))
	}
	return strings.Join(why, "; "), ids
}

var errTraceBusy = errors.New("this trace is being recomputed")

// recompute runs a saved trace again, compares it with its last version
// and stores a new version when anything changed (or on the first run).
// It reports whether a version was stored.
func (rt *retro) recompute(ctx context.Context, t fleet.SavedTrace, last *fleet.TraceVersion, reason, actor string) (fleet.TraceVersion, bool, error) {
	rt.mu.Lock()
	if rt.busy[t.ID] {
		rt.mu.Unlock()
		return fleet.TraceVersion{}, false, errTraceBusy
	}
	rt.busy[t.ID] = true
	rt.mu.Unlock()
	defer func() {
		rt.mu.Lock()
		delete(rt.busy, t.ID)
		rt.mu.Unlock()
	}()
	v := fleet.TraceVersion{TraceID: t.ID, Version: t.Version + 1, At: rt.s.now().UTC(), Reason: reason}
	res, err := rt.s.traceWait(ctx, t.Request)
	var he *Error
	switch {
	case errors.As(err, &he) && he.Status == 400:
		v.Error = he.Msg
	case err != nil:
		return v, false, err
	default:
		v.Result = summarize(t.Request, res)
	}
	if last != nil {
		if last.Error == "" && v.Error == "" {
			v.Changes = diffSummaries(last, &v.Result)
			if v.Changes.Empty() {
				rt.audit(ctx, actor, t, "unchanged: "+reason)
				return *last, false, nil
			}
		} else if last.Error == v.Error {
			return *last, false, nil
		}
	}
	if err := rt.s.st.AddTraceVersion(ctx, v); errors.Is(err, store.ErrConflict) {
		// Another replica stored this version meanwhile: its result is
		// as recent as ours.
		rt.s.log.Debug("retro-trace: version stored by another replica", "trace", t.ID, "version", v.Version)
		return v, false, nil
	} else if err != nil {
		return v, false, err
	}
	rt.audit(ctx, actor, t, fmt.Sprintf("version %d: %s; %s", v.Version, describeChanges(&v), reason))
	if v.Error == "" {
		rt.s.publishTrace(ctx, t, v.Version, res)
	}
	return v, true, nil
}

func (rt *retro) audit(ctx context.Context, actor string, t fleet.SavedTrace, detail string) {
	e := fleet.AuditEntry{At: rt.s.now(), Actor: actor, Role: "", Action: "trace.recompute",
		Target: fmt.Sprintf("trace %d (%s)", t.ID, t.Name), Detail: detail}
	if actor == retroActor {
		e.Role = "server"
	}
	if err := rt.s.st.Audit(context.WithoutCancel(ctx), e); err != nil {
		rt.s.log.Error("audit log write failed", "action", e.Action, "err", err)
	}
}

// traceWait runs a trace for the server itself: when two traces run, it
// waits for one to end instead of refusing.
func (s *Server) traceWait(ctx context.Context, req fleet.TraceRequest) (*tracegraph.Outcome, error) {
	for {
		res, err := s.traceOnce(ctx, req)
		var he *Error
		if !errors.As(err, &he) || he.Code != "busy" {
			return res, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// summarize keeps what a saved trace needs of a result.
func summarize(req fleet.TraceRequest, o *tracegraph.Outcome) fleet.TraceSummary {
	sum := fleet.TraceSummary{Backwards: o.Backward != nil}
	watch := map[int64]bool{}
	reach := func(id string) {
		if h, ok := o.Hosts[id]; ok {
			watch[h] = true
		}
		for _, from := range o.Into[id] {
			if h, ok := o.Hosts[from]; ok {
				watch[h] = true
			}
		}
	}
	if o.Forward != nil {
		sum.Warnings = o.Forward.Warnings()
		for _, re := range o.Forward.ReachedLast() {
			n := fleet.TraceNode{ID: re.Node.ID, Kind: re.Kind, Name: re.Node.Name, Version: re.Node.Version, Time: re.Time,
				Confidence: re.Confidence, Seed: re.Seed, Suspect: re.Suspect, HostID: o.Hosts[re.Node.ID]}
			if len(re.Path) > 1 {
				n.Via = re.Path[len(re.Path)-2].Node
			}
			sum.Nodes = append(sum.Nodes, n)
			reach(re.Node.ID)
		}
	} else {
		sum.Warnings = o.Backward.Warnings
		for _, u := range o.Backward.Upstream {
			n := fleet.TraceNode{ID: u.Node.ID, Kind: u.Kind, Name: u.Node.Name, Version: u.Node.Version, Time: u.Deadline,
				Confidence: u.Confidence, HostID: o.Hosts[u.Node.ID]}
			sum.Nodes = append(sum.Nodes, n)
			reach(u.Node.ID)
		}
	}
	if len(sum.Nodes) > maxSavedNodes {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d nodes reached; the saved result keeps the first %d by time",
			len(sum.Nodes), maxSavedNodes))
		sum.Nodes = sum.Nodes[:maxSavedNodes]
	}
	slices.SortFunc(sum.Nodes, func(a, b fleet.TraceNode) int { return strings.Compare(a.ID, b.ID) })
	for _, sd := range req.Seeds {
		if name, ok := strings.CutPrefix(sd.Node, tracegraph.IncidentPrefix); ok {
			for _, c := range o.Incidents[sd.Node] {
				if h, ok := o.Hosts[c.Node]; ok {
					watch[h] = true
				}
			}
			sum.Incidents = append(sum.Incidents, strings.ToLower(strings.TrimSpace(name)))
		}
	}
	for h := range watch {
		sum.Watch = append(sum.Watch, h)
	}
	slices.Sort(sum.Watch)
	return sum
}

// diffSummaries is what changed from the last version to now: nodes
// added and removed, reached earlier or later, releases newly suspect,
// and customers newly reached (an organization, or a host reached
// through a suspect release).
func diffSummaries(last *fleet.TraceVersion, now *fleet.TraceSummary) *fleet.TraceChanges {
	c := &fleet.TraceChanges{From: last.Version}
	was := make(map[string]fleet.TraceNode, len(last.Result.Nodes))
	for _, n := range last.Result.Nodes {
		was[n.ID] = n
	}
	cur := make(map[string]fleet.TraceNode, len(now.Nodes))
	for _, n := range now.Nodes {
		cur[n.ID] = n
	}
	for _, n := range now.Nodes { // sorted by id
		w, ok := was[n.ID]
		switch {
		case !ok:
			c.Added = append(c.Added, n)
		case n.Time.Before(w.Time):
			c.Earlier = append(c.Earlier, fleet.TraceShift{Node: n.ID, Was: w.Time, Now: n.Time})
		case n.Time.After(w.Time):
			c.Later = append(c.Later, fleet.TraceShift{Node: n.ID, Was: w.Time, Now: n.Time})
		}
		if n.Suspect && n.Kind == cascade.Release.String() && !(ok && w.Suspect) {
			c.NewSuspects = append(c.NewSuspects, n.ID)
		}
		if !ok && (n.Kind == cascade.Org.String() || n.Kind == cascade.Host.String() && cur[n.Via].Suspect && cur[n.Via].Kind == cascade.Release.String()) {
			c.NewCustomers = append(c.NewCustomers, n.ID)
		}
	}
	for _, n := range last.Result.Nodes {
		if _, ok := cur[n.ID]; !ok {
			c.Removed = append(c.Removed, n)
		}
	}
	return c
}

// describeChanges is a version's one-line summary, for the audit log.
func describeChanges(v *fleet.TraceVersion) string {
	if v.Error != "" {
		return "failed: " + v.Error
	}
	c := v.Changes
	if c == nil {
		return fmt.Sprintf("%d nodes", len(v.Result.Nodes))
	}
	s := fmt.Sprintf("%d added, %d removed, %d earlier, %d later", len(c.Added), len(c.Removed), len(c.Earlier), len(c.Later))
	if len(c.NewSuspects) > 0 {
		s += ", new suspects " + strings.Join(c.NewSuspects, " ")
	}
	if len(c.NewCustomers) > 0 {
		s += ", new customers " + strings.Join(c.NewCustomers, " ")
	}
	return s
}
