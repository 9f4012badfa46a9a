// Package agent is the endpoint agent: it enrolls once with an enrollment
// token and keeps its own credential, then collects an inventory snapshot
// on a schedule (or once), queues it on disk, and uploads the queue in
// order, each snapshot as a gzip-compressed delta against the last one the
// server accepted (or in full when the server has another base). Uploads
// carry an id so a retry after a lost answer is stored exactly once; while
// the server or its database is unreachable the queue grows up to a cap.
package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Options configure an agent.
type Options struct {
	// Server is the server's base URL (https://host:8443).
	Server string
	TLS    *tls.Config
	// EnrollToken is needed only until the agent has its credential.
	EnrollToken string
	// StateDir keeps the credential (0600), the last accepted snapshot and
	// the upload queue.
	StateDir string
	// Interval between collections; Once collects and uploads one time.
	Interval time.Duration
	Once     bool
	// QueueCap bounds the queue on disk in bytes; the oldest snapshots go
	// first.
	QueueCap int64
	// Host describes the machine for enrollment.
	Host func() snapshot.Host
	// Scan is how to collect (used when Collect is nil).
	Scan scan.Options
	// Collect overrides collection (tests).
	Collect func(ctx context.Context) (*snapshot.Snapshot, error)
	// LowPriority lowers the process's CPU (and where possible I/O)
	// priority before collecting.
	LowPriority bool
	// RetryMin and RetryMax bound the back-off between failed uploads.
	RetryMin, RetryMax time.Duration
	Log                *slog.Logger
	// NoHunts leaves YARA hunts alone: the agent does not ask for them.
	NoHunts bool
	// HuntBudget caps the time one YARA hunt may take (default
	// fleet.DefaultYARAHuntBudget; the server's request may ask for less).
	HuntBudget time.Duration
}

// ErrCredentialRefused means the server no longer accepts this agent's
// credential (revoked, or the host was enrolled again elsewhere).
var ErrCredentialRefused = errors.New("the server refused this agent's credential; enroll again with an enrollment token")

// Agent is a configured agent.
type Agent struct {
	opt    Options
	log    *slog.Logger
	client *fleetclient.Client
	state  *stateDir
}

// New prepares an agent: it opens the state directory and enrolls when
// there is no credential yet.
func New(ctx context.Context, opt Options) (*Agent, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = 5 * time.Second
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = 5 * time.Minute
	}
	if opt.HuntBudget <= 0 {
		opt.HuntBudget = fleet.DefaultYARAHuntBudget
	}
	if opt.QueueCap <= 0 {
		opt.QueueCap = 512 << 20
	}
	if !opt.Once && opt.Interval <= 0 {
		return nil, errors.New("agent: an interval or once is required")
	}
	st, err := openState(opt.StateDir)
	if err != nil {
		return nil, err
	}
	a := &Agent{opt: opt, log: opt.Log, state: st}
	if err := a.ensureEnrolled(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// HostID is the server's id for this agent's host.
func (a *Agent) HostID() int64 { return a.state.cred.HostID }

// ErrEnrolledElsewhere: the state directory holds a credential for
// another server; enrolling with a second server needs a second state.
var ErrEnrolledElsewhere = errors.New("state is enrolled with another server")

func (a *Agent) ensureEnrolled(ctx context.Context) error {
	cred, err := a.state.loadCredential()
	if err != nil {
		return err
	}
	if cred != nil {
		if cred.Server != a.opt.Server {
			return fmt.Errorf("agent: %s is enrolled with %s, not %s: %w", a.state.dir, cred.Server, a.opt.Server, ErrEnrolledElsewhere)
		}
		a.client = fleetclient.New(a.opt.Server, cred.Token, a.opt.TLS)
		return nil
	}
	if a.opt.EnrollToken == "" {
		return errors.New("agent: not enrolled yet; an enrollment token is required")
	}
	if a.opt.Host == nil {
		return errors.New("agent: no host description for enrollment")
	}
	h := a.opt.Host()
	res, err := fleetclient.New(a.opt.Server, a.opt.EnrollToken, a.opt.TLS).Enroll(ctx, h)
	if err != nil {
		return fmt.Errorf("enroll with %s: %w", a.opt.Server, err)
	}
	c := &credential{Server: a.opt.Server, HostID: res.HostID, HostUID: h.ID, Token: res.Token, Enrolled: time.Now().UTC(),
		ServerKey: res.ServerKey}
	if err := a.state.saveCredential(c); err != nil {
		return err
	}
	a.log.Info("enrolled", "server", a.opt.Server, "host_id", res.HostID)
	a.client = fleetclient.New(a.opt.Server, c.Token, a.opt.TLS)
	return nil
}

// Run collects and uploads until ctx ends (or once). With Once, an
// upload that could not be delivered is an error; the snapshot stays
// queued for the next run.
func (a *Agent) Run(ctx context.Context) error {
	if a.opt.LowPriority {
		if err := lowerPriority(); err != nil {
			a.log.Warn("could not lower the process priority", "err", err)
		}
	}
	for {
		if err := a.collectAndQueue(ctx); err != nil {
			if a.opt.Once || ctx.Err() != nil {
				return err
			}
			a.log.Error("collection failed", "err", err)
		}
		next := time.Now().Add(jitter(a.opt.Interval))
		err := a.drainUntil(ctx, next)
		if !a.opt.NoHunts && !errors.Is(err, ErrCredentialRefused) {
			if herr := a.CheckHunts(ctx); herr != nil {
				a.log.Warn("YARA hunt check failed", "err", herr)
			}
		}
		if a.opt.Once || errors.Is(err, ErrCredentialRefused) {
			return err
		}
		if err := sleepUntil(ctx, next); err != nil {
			return nil
		}
	}
}

// collectAndQueue takes one snapshot and queues it.
func (a *Agent) collectAndQueue(ctx context.Context) error {
	snap, err := a.collect(ctx)
	if err != nil {
		return err
	}
	if snap.Host.ID != a.state.cred.HostUID {
		return fmt.Errorf("collected host id %q differs from the enrolled %q", snap.Host.ID, a.state.cred.HostUID)
	}
	dropped, err := a.state.enqueue(snap, a.opt.QueueCap)
	for _, d := range dropped {
		a.log.Warn("upload queue over its cap; dropped the oldest snapshot", "file", d)
	}
	return err
}

func (a *Agent) collect(ctx context.Context) (*snapshot.Snapshot, error) {
	if a.opt.Collect != nil {
		return a.opt.Collect(ctx)
	}
	res, err := scan.Inventory(ctx, a.opt.Scan)
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, fmt.Errorf("agent collects one machine, got %d snapshots", len(res))
	}
	for _, w := range res[0].Warnings {
		a.log.Warn("collection", "warning", w)
	}
	return res[0].Snapshot, nil
}

// drainUntil uploads the queue, retrying with back-off until it is empty,
// the deadline passes, or ctx ends.
func (a *Agent) drainUntil(ctx context.Context, deadline time.Time) error {
	wait := a.opt.RetryMin
	tries := 0
	for {
		err := a.Drain(ctx)
		if err == nil || errors.Is(err, ErrCredentialRefused) || ctx.Err() != nil {
			return err
		}
		tries++
		if a.opt.Once && tries >= 4 {
			return err
		}
		a.log.Warn("upload failed; snapshots stay queued", "err", err, "retry_in", wait)
		if !a.opt.Once && time.Now().Add(wait).After(deadline) {
			return err
		}
		if sleepUntil(ctx, time.Now().Add(wait)) != nil {
			return err
		}
		wait = min(wait*2, a.opt.RetryMax)
	}
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + time.Duration((rand.Float64()-0.5)*0.2*float64(d))
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
