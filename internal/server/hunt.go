package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// hunter runs durable retro-hunts: it claims a hunt, works through its
// phases in batches, and commits each batch's findings together with its
// progress, so a crash loses at most the batch in flight and any replica
// resumes where the last commit left off.
type hunter struct {
	st     store.Store
	intel  *intelCache
	log    *slog.Logger
	owner  string
	batch  int
	lease  time.Duration
	now    func() time.Time
	wake   chan struct{}
	every  time.Duration // how often to look for hunts other replicas queued
	paused func() bool   // tests: stop between batches
	hook   func(event string, id int64, phase int, cursor string)
	// storage hears of writes the database had no room for (/healthz).
	storage *healthState
	// found hears of each committed batch's findings (retro-trace).
	found func(hits []store.Hit, origin string)
}

// phase is one kind of candidate selection.
type phase struct {
	name string
	// step selects one batch after cursor; it returns the observations to
	// confirm, the findings re-evaluated, the next cursor and whether the
	// phase is finished.
	step func(ctx context.Context, h *hunter, spec *HuntSpec, cursor string) (batch, error)
}

type batch struct {
	obs       []store.Obs
	histories [][]store.Obs // whole host histories, for the multi patterns
	rechecked []string
	next      string
	done      bool
}

var phases = []phase{
	{"sha256", digestPhase("sha256")},
	{"sha1", digestPhase("sha1")},
	{"md5", digestPhase("md5")},
	{"software", listPhase(func(s *HuntSpec) []string { return s.Products }, func(v []string) store.CandidateQuery {
		return store.CandidateQuery{Kind: fleet.ObsSoftware, Products: v}
	})},
	{"domains", listPhase(func(s *HuntSpec) []string { return s.Domains }, func(v []string) store.CandidateQuery {
		return store.CandidateQuery{Kind: fleet.ObsArtifact, Domains: v}
	})},
	{"ips", listPhase(func(s *HuntSpec) []string { return s.IPs }, func(v []string) store.CandidateQuery {
		return store.CandidateQuery{Kind: fleet.ObsArtifact, IPs: v}
	})},
	{"scan-files", scanPhase(fleet.ObsFile, func(s *HuntSpec) bool { return s.ScanFiles })},
	{"scan-artifacts", scanPhase(fleet.ObsArtifact, func(s *HuntSpec) bool { return s.ScanArtifacts })},
	{"recheck", recheckPhase},
	// Phases are stored by position: new ones go last, so a hunt queued by
	// an older release resumes where it was.
	{"scan-software", scanPhase(fleet.ObsSoftware, func(s *HuntSpec) bool { return s.ScanSoftware })},
	{"multi", multiPhase},
	// SHA-1s recorded by execution evidence (Amcache) for programs that
	// may be gone: artifacts, not files.
	{"artifact-sha1", listPhase(func(s *HuntSpec) []string { return s.Hashes["sha1"] }, func(v []string) store.CandidateQuery {
		raw := make([][]byte, 0, len(v))
		for _, x := range v {
			if b, err := hex.DecodeString(x); err == nil {
				raw = append(raw, b)
			}
		}
		return store.CandidateQuery{Kind: fleet.ObsArtifact, DigestType: "sha1", Digests: raw}
	})},
}

// listPhase confirms the candidates of a list of selectors, a chunk of
// selectors at a time and at most a batch of observations per step; the
// cursor is "<chunk>:<last observation id>".
func listPhase(values func(*HuntSpec) []string, q func([]string) store.CandidateQuery) func(context.Context, *hunter, *HuntSpec, string) (batch, error) {
	return func(ctx context.Context, h *hunter, spec *HuntSpec, cursor string) (batch, error) {
		all := values(spec)
		i, after := parseCursor(cursor)
		const per = 100
		if i*per >= len(all) {
			return batch{done: true}, nil
		}
		cq := q(all[i*per : min(len(all), (i+1)*per)])
		cq.AfterID, cq.Limit = after, h.batch
		obs, err := h.st.Candidates(ctx, cq)
		if err != nil {
			return batch{}, err
		}
		if len(obs) == h.batch {
			return batch{obs: obs, next: fmt.Sprintf("%d:%d", i, obs[len(obs)-1].ID)}, nil
		}
		return batch{obs: obs, next: fmt.Sprintf("%d:0", i+1), done: (i+1)*per >= len(all)}, nil
	}
}

func parseCursor(c string) (chunk int, after int64) {
	a, b, _ := strings.Cut(c, ":")
	chunk, _ = strconv.Atoi(a)
	after, _ = strconv.ParseInt(b, 10, 64)
	return chunk, after
}

func digestPhase(typ string) func(context.Context, *hunter, *HuntSpec, string) (batch, error) {
	return listPhase(func(s *HuntSpec) []string { return s.Hashes[typ] }, func(v []string) store.CandidateQuery {
		raw := make([][]byte, 0, len(v))
		for _, x := range v {
			if b, err := hex.DecodeString(x); err == nil {
				raw = append(raw, b)
			}
		}
		return store.CandidateQuery{Kind: fleet.ObsFile, DigestType: typ, Digests: raw}
	})
}

// scanPhase walks every observation of a kind by id; the cursor is the
// last id done.
func scanPhase(kind string, on func(*HuntSpec) bool) func(context.Context, *hunter, *HuntSpec, string) (batch, error) {
	return func(ctx context.Context, h *hunter, spec *HuntSpec, cursor string) (batch, error) {
		if !on(spec) {
			return batch{done: true}, nil
		}
		after, _ := strconv.ParseInt(cursor, 10, 64)
		obs, err := h.st.Candidates(ctx, store.CandidateQuery{Kind: kind, Scan: true, AfterID: after, Limit: h.batch})
		b := batch{obs: obs, next: cursor, done: len(obs) < h.batch}
		if len(obs) > 0 {
			b.next = strconv.FormatInt(obs[len(obs)-1].ID, 10)
		}
		return b, err
	}
}

// recheckPhase re-evaluates the findings that cite a changed or withdrawn
// indicator; those no longer confirmed are retracted.
func recheckPhase(ctx context.Context, h *hunter, spec *HuntSpec, cursor string) (batch, error) {
	if len(spec.Recheck) == 0 {
		return batch{done: true}, nil
	}
	per := max(h.batch/10, 10)
	ids, err := h.st.FindingsByIndicator(ctx, spec.Recheck, cursor, per)
	if err != nil {
		return batch{}, err
	}
	b := batch{rechecked: ids, next: cursor, done: len(ids) < per}
	for _, id := range ids {
		ev, err := h.st.FindingEvidence(ctx, id)
		if err != nil {
			return b, err
		}
		b.obs = append(b.obs, ev...)
		b.next = id
	}
	return b, nil
}

// multiPhase evaluates the STIX patterns that need several observations
// over whole host histories: hosts in id order, each with every item it
// ever had of the kinds the patterns can bind (files only when a pattern
// names a file or directory), until a batch's worth of observations (at
// least one host); the cursor is the last host done. A host none of whose
// items carries a pattern's index keys costs its loading only.
func multiPhase(ctx context.Context, h *hunter, spec *HuntSpec, cursor string) (batch, error) {
	if len(spec.Multi) == 0 {
		return batch{done: true}, nil
	}
	ist, err := h.intel.current(ctx)
	if err != nil {
		return batch{}, err
	}
	var kinds []string
	files, software, artifacts := ist.set.HistoryKinds(idSet(spec.Multi))
	if files {
		kinds = append(kinds, fleet.ObsFile)
	}
	if software {
		kinds = append(kinds, fleet.ObsSoftware)
	}
	if artifacts {
		kinds = append(kinds, fleet.ObsArtifact)
	}
	if len(kinds) == 0 { // the patterns bind nothing a host is seen as
		return batch{done: true}, nil
	}
	after, _ := strconv.ParseInt(cursor, 10, 64)
	ids, err := h.st.HostsAfter(ctx, after, h.batch)
	if err != nil {
		return batch{}, err
	}
	b := batch{next: cursor, done: len(ids) < h.batch}
	n := 0
	for i, id := range ids {
		var hist []store.Obs
		for _, kind := range kinds {
			obs, err := h.st.Candidates(ctx, store.CandidateQuery{Kind: kind, HostID: id})
			if err != nil {
				return batch{}, err
			}
			hist = append(hist, obs...)
		}
		if len(hist) > 0 {
			b.histories = append(b.histories, hist)
		}
		b.next = strconv.FormatInt(id, 10)
		if n += max(len(hist), 1); n >= h.batch && i < len(ids)-1 {
			b.done = false // a batch's worth: the rest next time
			break
		}
	}
	return b, nil
}

// loop claims and runs hunts until ctx ends.
func (h *hunter) loop(ctx context.Context) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		for h.runOne(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
	}
}

// runOne claims one hunt and runs it; it reports whether it found one.
func (h *hunter) runOne(ctx context.Context) bool {
	if h.paused != nil && h.paused() {
		return false
	}
	hu, err := h.st.ClaimHunt(ctx, h.owner, h.now(), h.lease)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("claim hunt", "err", err)
		}
		return false
	}
	if hu == nil {
		return false
	}
	if err := h.run(ctx, hu); err != nil && ctx.Err() == nil {
		h.log.Error("hunt failed", "hunt", hu.ID, "err", err)
		h.storage.note(err, h.now())
		// An unreachable or full database is no fault of the hunt: it
		// stays leased and resumes when the lease runs out (at once for
		// this instance).
		if !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, store.ErrFull) {
			h.st.FailHunt(context.WithoutCancel(ctx), hu.ID, h.owner, err.Error(), h.now())
		} else {
			return false // wait for the next tick rather than spin on it
		}
	}
	return ctx.Err() == nil
}

// run works through a claimed hunt from its saved phase and cursor.
func (h *hunter) run(ctx context.Context, hu *fleet.Hunt) error {
	var spec HuntSpec
	if err := json.Unmarshal(hu.Spec, &spec); err != nil {
		return fmt.Errorf("hunt %d spec: %w", hu.ID, err)
	}
	p, cursor := hu.Phase, hu.Cursor
	start := time.Now()
	h.log.Info("hunt running", "hunt", hu.ID, "reason", hu.Reason, "phase", p, "cursor", cursor)
	h.notify("start", hu.ID, p, cursor)
	for p < len(phases) {
		if h.paused != nil && h.paused() {
			return nil
		}
		t0 := time.Now()
		b, err := phases[p].step(ctx, h, &spec, cursor)
		if err != nil {
			return fmt.Errorf("hunt %d %s: %w", hu.ID, phases[p].name, err)
		}
		np, nc := p, b.next
		if b.done {
			np, nc = p+1, ""
		}
		if b.done && len(b.obs) == 0 && len(b.histories) == 0 && len(b.rechecked) == 0 && np < len(phases) {
			p, cursor = np, nc // nothing to record for an empty phase
			continue
		}
		t1 := time.Now()
		committed, err := h.commit(ctx, hu, &spec, b, np, nc)
		if err != nil || !committed {
			return err
		}
		h.log.Debug("hunt step", "hunt", hu.ID, "phase", phases[p].name, "candidates", len(b.obs)+countObs(b.histories),
			"read", t1.Sub(t0), "commit", time.Since(t1))
		h.notify("commit", hu.ID, np, nc)
		p, cursor = np, nc
	}
	h.log.Info("hunt done", "hunt", hu.ID, "took", time.Since(start))
	return nil
}

// commit confirms a batch with the current intel and stores it with the
// progress; on an intel change it reloads and confirms again. It reports
// false when the hunt's lease was lost to another replica.
func (h *hunter) commit(ctx context.Context, hu *fleet.Hunt, spec *HuntSpec, b batch, phase int, cursor string) (bool, error) {
	for range 10 {
		ist, err := h.intel.current(ctx)
		if err != nil {
			return false, err
		}
		hits := append(matchObs(ist.set, b.obs), matchHistories(ist.set, spec.Multi, b.histories)...)
		c := store.HuntCommit{HuntID: hu.ID, Owner: h.owner, IntelVersion: ist.version, Phase: phase, Cursor: cursor,
			Candidates: int64(len(b.obs) + countObs(b.histories)), Hits: hits, Rechecked: b.rechecked,
			Done: phase >= len(phases), Now: h.now(), Lease: h.lease}
		err = h.st.CommitHunt(ctx, c)
		if err == nil {
			if h.found != nil {
				h.found(hits, fmt.Sprintf("hunt %d", hu.ID))
			}
			return true, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return false, err
		}
		if v, verr := h.st.IntelVersion(ctx); verr == nil && v == ist.version {
			h.log.Info("hunt lease lost", "hunt", hu.ID)
			return false, nil
		}
	}
	return false, fmt.Errorf("hunt %d: intel kept changing", hu.ID)
}

func (h *hunter) notify(event string, id int64, phase int, cursor string) {
	if h.hook != nil {
		h.hook(event, id, phase, cursor)
	}
}

func countObs(hosts [][]store.Obs) int {
	n := 0
	for _, h := range hosts {
		n += len(h)
	}
	return n
}
