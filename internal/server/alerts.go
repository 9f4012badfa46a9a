package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-ir/cascade/internal/alert"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Alert delivery tuning.
const (
	// alertBatch is how many deliveries one round claims.
	alertBatch = 256
	// alertPerSink is how many sends run at once to one sink; alertSends
	// is the cap over all sinks.
	alertPerSink = alert.MaxConcurrentSends
	alertSends   = 32
	// alertMaxAttempts sends a delivery to the dead letters.
	alertMaxAttempts = 8
	// alertBackoff is the first retry's delay, doubled on every attempt up
	// to alertMaxBackoff, with ±25% jitter.
	alertBackoff    = 5 * time.Second
	alertMaxBackoff = 15 * time.Minute
	// alertIdle is how often the queue is polled when idle.
	alertIdle = time.Second
	// alertVersion goes into CEF headers.
	alertVersion = "1"
)

// alerter is the delivery worker: one per server, claiming deliveries
// under a lease so replicas sharing a store never send one twice at once.
type alerter struct {
	s       *Server
	guard   *alert.Guard
	timeout time.Duration

	mu      sync.Mutex
	senders map[int64]cachedSender
	// sent and failed count attempts since start (health, benchmarks).
	sent, failed atomic.Int64
	// ingest counts ingests in flight (Server.Ingest), during which the
	// worker keeps to a pace (alerts_pace.go); noPace turns that off (the
	// benchmark's "before").
	ingest ingestTracker
	noPace bool
	pace   pacer
	// paced counts the rounds run at the pace (benchmarks).
	paced atomic.Int64
}

type cachedSender struct {
	key    string
	sender alert.Sender
}

func newAlerter(s *Server) *alerter {
	t := s.cfg.AlertTimeout
	if t <= 0 {
		t = alert.DefaultTimeout
	}
	return &alerter{s: s, guard: &alert.Guard{AllowLoopback: s.cfg.AlertAllowLoopback}, timeout: t, senders: map[int64]cachedSender{}}
}

// loop delivers until ctx ends.
func (a *alerter) loop(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := a.round(ctx)
		if err != nil && ctx.Err() == nil {
			a.s.log.Warn("alert delivery", "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(alertIdle):
			}
		}
	}
}

// round claims one batch and sends it; it returns how many it claimed.
func (a *alerter) round(ctx context.Context) (int, error) {
	batch, sends := alertBatch, alertSends
	busy := !a.noPace && a.ingest.busy(time.Now())
	// gate waits, in a busy round, for the uploads in flight to end
	// (alertGateMax over the round); otherwise it returns at once.
	// The pace counts from when the round was due, not from its claim,
	// so the gate's wait does not slow it.
	gate, due := func() {}, time.Time{}
	if busy {
		batch, sends = alertBatchBusy, alertSendsBusy
		a.pace.wait(ctx, time.Now())
		a.paced.Add(1)
		due = time.Now()
		deadline := due.Add(alertGateMax)
		gate = func() { a.ingest.quiet(ctx, deadline) }
	}
	gate()
	now := a.s.now()
	// The lease outlives the round: a sink takes at most a timeout per
	// alertPerSink sends before the rest of its batch is deferred.
	lease := 4*a.timeout + time.Minute
	ds, err := a.s.st.ClaimDeliveries(ctx, a.s.cfg.Owner, now, lease, batch)
	a.pace.claimed(busy, due, len(ds))
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	sinks, err := a.s.st.AlertSinkConfigs(ctx)
	if err != nil {
		return len(ds), err
	}
	byID := map[int64]*fleet.AlertSink{}
	for i := range sinks {
		byID[sinks[i].ID] = &sinks[i]
	}
	all := make(chan struct{}, sends)
	var wg sync.WaitGroup
	groups := map[int64][]fleet.AlertDelivery{}
	for _, d := range ds {
		groups[d.SinkID] = append(groups[d.SinkID], d)
	}
	rec := &roundResults{}
	ids := make([]string, len(ds))
	for i := range ds {
		ids[i] = ds[i].FindingID
	}
	if rec.findings, err = a.s.st.FindingsByID(ctx, ids); err != nil {
		return len(ds), err // the leases run out and the batch is claimed again
	}
	for id, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.sendSink(ctx, byID[id], g, all, gate, rec)
		}()
	}
	wg.Wait()
	gate()
	a.record(ctx, rec.results)
	return len(ds), nil
}

// roundResults gathers a round's attempts, recorded together when the
// round ends (one transaction rather than one per delivery).
type roundResults struct {
	mu      sync.Mutex
	results []store.DeliveryResult
	// findings are the batch's findings, read in one query.
	findings map[string]fleet.Finding
}

func (rr *roundResults) add(r store.DeliveryResult) {
	rr.mu.Lock()
	rr.results = append(rr.results, r)
	rr.mu.Unlock()
}

// record stores a round's attempts in one transaction.
func (a *alerter) record(ctx context.Context, rs []store.DeliveryResult) {
	ctx = context.WithoutCancel(ctx)
	errs, err := a.s.st.FinishDeliveries(ctx, rs)
	if err != nil {
		a.s.log.Warn("alert delivery record", "deliveries", len(rs), "err", err)
		return
	}
	for i, e := range errs {
		if e != nil {
			a.s.log.Warn("alert delivery record", "delivery", rs[i].ID, "err", e)
		}
	}
}

// sendSink sends one sink's share of a round, alertPerSink at a time.
// Once a send fails, the sink's remaining deliveries of the round are
// deferred with that error rather than each waiting out a timeout.
func (a *alerter) sendSink(ctx context.Context, k *fleet.AlertSink, ds []fleet.AlertDelivery, all chan struct{}, gate func(), rec *roundResults) {
	var failing atomic.Pointer[string]
	per := make(chan struct{}, alertPerSink)
	var wg sync.WaitGroup
	for _, d := range ds {
		if k == nil { // deleted since the claim: its deliveries went with it
			return
		}
		per <- struct{}{}
		all <- struct{}{}
		gate()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-per; <-all }()
			var err error
			if f := failing.Load(); f != nil {
				err = fmt.Errorf("deferred: an earlier send to this sink failed: %s", *f)
			} else if err = a.send(ctx, k, &d, rec); err != nil {
				msg := err.Error()
				failing.CompareAndSwap(nil, &msg)
			}
			rec.add(a.result(&d, err))
		}()
	}
	wg.Wait()
}

// result is an attempt's outcome: sent, a retry after a back-off, or the
// dead letters.
func (a *alerter) result(d *fleet.AlertDelivery, err error) store.DeliveryResult {
	now := a.s.now()
	r := store.DeliveryResult{ID: d.ID, Owner: a.s.cfg.Owner, At: now}
	if err != nil {
		a.failed.Add(1)
		r.Err = truncate(err.Error(), 1000)
		r.Dead = d.Attempts+1 >= alertMaxAttempts
		r.NextAt = now.Add(backoff(d.Attempts + 1))
	} else {
		a.sent.Add(1)
	}
	return r
}

// backoff is the delay before attempt n+1 (n ≥ 1).
func backoff(n int) time.Duration {
	d := alertBackoff
	for i := 1; i < n && d < alertMaxBackoff; i++ {
		d *= 2
	}
	d = min(d, alertMaxBackoff)
	return d*3/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// send renders the finding and hands it to the sink's sender.
func (a *alerter) send(ctx context.Context, k *fleet.AlertSink, d *fleet.AlertDelivery, rec *roundResults) error {
	snd, err := a.sender(ctx, k)
	if err != nil {
		return err
	}
	f, ok := rec.findings[d.FindingID]
	if !ok {
		return fmt.Errorf("finding %s: %w", d.FindingID, store.ErrNotFound)
	}
	al := &alert.Alert{DeliveryID: d.ID, FindingID: f.ID, Event: d.Event, Host: f.HostUID, Title: f.Title,
		Score: f.Score, Level: string(f.Level), DetectedAt: f.DetectedAt, Evidence: evidenceSummary(&f)}
	if f.Incident != nil {
		al.Incident, al.IncidentName = f.Incident.ID, f.Incident.Name
	}
	for _, r := range f.Reasons {
		al.Reasons = append(al.Reasons, alert.Reason{Kind: r.Kind, Indicator: r.IndicatorID, Detail: r.Matched, Score: r.Score})
	}
	if f.Host != f.HostUID { // the host's name, read with the finding
		al.HostName = f.Host
	}
	if base := strings.TrimRight(a.s.cfg.PublicURL, "/"); base != "" {
		al.Link = base + "/findings/" + f.ID
	}
	return snd.Send(ctx, al)
}

func evidenceSummary(f *fleet.Finding) string {
	e := &f.Evidence
	var parts []string
	for _, p := range []string{e.Kind, e.Product, e.Version, e.Path, e.URL, e.Domain, e.IP, e.SHA256} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// sender returns the sink's sender, built again when the sink changed.
func (a *alerter) sender(ctx context.Context, k *fleet.AlertSink) (alert.Sender, error) {
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%s", k.Kind, k.Destination, k.Format, k.Secret)
	a.mu.Lock()
	c, ok := a.senders[k.ID]
	a.mu.Unlock()
	if ok && c.key == key {
		return c.sender, nil
	}
	snd, err := a.build(ctx, k)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.senders[k.ID] = cachedSender{key: key, sender: snd}
	a.mu.Unlock()
	return snd, nil
}

func (a *alerter) build(ctx context.Context, k *fleet.AlertSink) (alert.Sender, error) {
	switch k.Kind {
	case fleet.SinkWebhook:
		return alert.NewWebhook(ctx, k.Destination, k.Secret, a.guard, a.timeout)
	case fleet.SinkSyslog:
		return alert.NewSyslog(k.Destination, k.Format, alertVersion, a.timeout)
	case fleet.SinkSMTP:
		return alert.NewSMTP(k.Destination, k.Secret, a.timeout)
	}
	return nil, fmt.Errorf("alert sink kind %q unknown", k.Kind)
}

// API.

func publicSink(k fleet.AlertSink) fleet.AlertSink {
	k.HasSecret = k.Secret != ""
	k.Secret = ""
	return k
}

func (s *Server) listAlertSinks(w http.ResponseWriter, r *http.Request, _ *principal) error {
	ks, err := s.st.AlertSinks(r.Context())
	if err != nil {
		return err
	}
	out := make([]fleet.AlertSink, 0, len(ks))
	for _, k := range ks {
		out = append(out, publicSink(k))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) addAlertSink(w http.ResponseWriter, r *http.Request, p *principal) error {
	var k fleet.AlertSink
	if err := decodeJSON(r, &k); err != nil {
		return err
	}
	k.ID, k.Overflow, k.Pending, k.Dead, k.CreatedBy = 0, 0, 0, 0, p.actor()
	if err := s.checkSink(r.Context(), &k); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	k, err := s.st.AddAlertSink(r.Context(), k, s.now())
	if err != nil {
		return err
	}
	// The audit names the sink and whether it has a secret, never the secret.
	s.audit(r, p, "alert.sink.add", k.Name, fmt.Sprintf("kind=%s destination=%q min_score=%d min_level=%q incident=%q secret=%v",
		k.Kind, redactDest(k.Destination), k.MinScore, k.MinLevel, k.Incident, k.Secret != ""))
	writeJSON(w, http.StatusCreated, publicSink(k))
	return nil
}

// redactDest drops a password from a destination URL for the audit log.
func redactDest(d string) string {
	if i := strings.Index(d, "://"); i >= 0 {
		if j := strings.Index(d[i+3:], "@"); j >= 0 {
			if c := strings.Index(d[i+3:i+3+j], ":"); c >= 0 {
				return d[:i+3+c] + ":xxxxx" + d[i+3+j:]
			}
		}
	}
	return d
}

// checkSink validates a sink by building its sender: a webhook URL the
// guard refuses, a syslog address or an SMTP destination that does not
// parse is refused now rather than failing every delivery later.
func (s *Server) checkSink(ctx context.Context, k *fleet.AlertSink) error {
	if k.Name == "" || len(k.Name) > 100 {
		return errors.New("a sink needs a name of at most 100 characters")
	}
	if k.MinLevel != "" && fleet.LevelRank(k.MinLevel) == 0 {
		return fmt.Errorf("min_level %q: want info, notice, warning or alert", k.MinLevel)
	}
	if k.MaxQueue < 0 || k.MaxQueue > 1_000_000 {
		return fmt.Errorf("max_queue %d out of range", k.MaxQueue)
	}
	if k.Kind == fleet.SinkSyslog && k.Secret != "" {
		return errors.New("a syslog sink takes no secret")
	}
	_, err := s.alerts.build(ctx, k)
	return err
}

func (s *Server) deleteAlertSink(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.DeleteAlertSink(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, p, "alert.sink.delete", fmt.Sprintf("alert sink %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, _ *principal) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	sink, err := queryInt(r, "sink", 0)
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", fleet.DeliveryPending, fleet.DeliverySent, fleet.DeliveryDead:
	default:
		return errorf(http.StatusBadRequest, "bad_request", "state %q: want pending, sent or dead", state)
	}
	ds, err := s.st.Deliveries(r.Context(), store.DeliveryQuery{State: state, SinkID: int64(sink), Limit: limit})
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []fleet.AlertDelivery{}
	}
	writeJSON(w, http.StatusOK, ds)
	return nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.RetryDelivery(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.audit(r, p, "alert.delivery.retry", fmt.Sprintf("alert delivery %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
