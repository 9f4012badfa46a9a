package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel"
	myara "github.com/cascade-ir/cascade/internal/match/yara"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// CheckHunts asks the server for a pending YARA hunt (at most one at a
// time), verifies its signature with the key this agent got from its own
// server, evaluates it over the scan roots and reports the result. A
// request that fails verification is never evaluated; its failure is
// reported.
func (a *Agent) CheckHunts(ctx context.Context) error {
	key, err := a.serverKey(ctx)
	if err != nil {
		return err
	}
	reqs, err := a.client.PendingYARAHunts(ctx)
	if err != nil {
		return fmt.Errorf("pending YARA hunts: %w", err)
	}
	if len(reqs) == 0 {
		return nil
	}
	req := &reqs[0] // one hunt at a time; the next comes at the next check-in
	res := a.runHunt(ctx, key, req)
	if res.Error != "" {
		a.log.Warn("YARA hunt failed", "hunt", req.ID, "err", res.Error)
	} else {
		a.log.Info("YARA hunt done", "hunt", req.ID, "files", len(res.Files), "scanned", res.Scanned)
	}
	if err := a.client.YARAHuntResult(ctx, req.ID, res); err != nil {
		return fmt.Errorf("report YARA hunt %d: %w", req.ID, err)
	}
	return nil
}

// serverKey is the server's hunt-signing key: from enrollment, or, for an
// agent enrolled before hunts existed, fetched once over its
// authenticated channel and kept (trust on first use).
func (a *Agent) serverKey(ctx context.Context) (ed25519.PublicKey, error) {
	c := a.state.cred
	if c.ServerKey == "" {
		got, err := a.client.ServerKey(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetch the server's hunt key: %w", err)
		}
		pub, err := fleet.DecodeKey(got.Key)
		if err != nil || fleet.KeyID(pub) != got.KeyID {
			return nil, fmt.Errorf("the server's hunt key is malformed")
		}
		next := *c
		next.ServerKey = got.Key
		if err := a.state.saveCredential(&next); err != nil {
			return nil, err
		}
		a.log.Info("kept the server's hunt key (first use)", "key_id", got.KeyID)
		c = &next
	}
	pub, err := fleet.DecodeKey(c.ServerKey)
	if err != nil {
		return nil, fmt.Errorf("agent credential: server key: %w", err)
	}
	return pub, nil
}

// runHunt verifies and evaluates one request; failures are in the
// result's Error.
func (a *Agent) runHunt(ctx context.Context, key ed25519.PublicKey, req *fleet.YARAHuntRequest) *fleet.YARAHuntResult {
	res := &fleet.YARAHuntResult{Files: []fleet.YARAHuntFile{}}
	if err := req.Verify(key); err != nil {
		res.Error = "refused: " + err.Error()
		return res
	}
	rs, err := compileHunt(req.Rules)
	if err != nil {
		res.Error = "rules: " + err.Error()
		return res
	}
	budget := time.Duration(req.BudgetSeconds) * time.Second
	if budget <= 0 || budget > a.opt.HuntBudget {
		budget = a.opt.HuntBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	snap, err := a.huntScan(ctx, rs)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("the hunt's time budget (%v) ran out: %w", budget, err)
		}
		res.Error = err.Error()
		return res
	}
	fillHuntResult(res, snap)
	return res
}

// compileHunt compiles each rule text in its own namespace (the
// indicator it came from), as a scan with intel does.
func compileHunt(rules []fleet.YARAHuntRule) (*myara.Ruleset, error) {
	size := 0
	in := &intel.Intel{}
	for _, r := range rules {
		size += len(r.Text)
		in.Indicators = append(in.Indicators, intel.Indicator{ID: r.Indicator, Type: intel.YARA, Pattern: r.Text, PatternType: "yara"})
	}
	if size > fleet.MaxYARAHuntRules {
		return nil, fmt.Errorf("%d bytes of rules; the cap is %d", size, fleet.MaxYARAHuntRules)
	}
	rs, err := myara.FromIntel(in, time.Time{})
	if err == nil && rs == nil {
		err = errors.New("no rules")
	}
	return rs, err
}

// huntScan walks the agent's scan roots with the rules, through the scan
// path (and digest cache) `cascade scan --intel rules.yar` uses, keeping
// only the records of files a rule matched.
func (a *Agent) huntScan(ctx context.Context, rs *myara.Ruleset) (*snapshot.Snapshot, error) {
	opt := a.opt.Scan
	opt.Collect.Rules = rs
	// The server ties a match to the host's record by path and SHA-256,
	// whatever digests the inventory was told to compute.
	opt.Collect.Digests.SHA256 = true
	// The digest cache is versioned by the rule set: a hunt sharing the
	// inventory's cache would miss every entry and, saving, make the next
	// collection read every file again. Hunts keep their own.
	if cf := opt.CacheFile; cf != nil {
		opt.CacheFile = func(root string) string {
			if p := cf(root); p != "" {
				return p + ".yara-hunt"
			}
			return ""
		}
	}
	opt.Collect.Keep = func(f *snapshot.File) bool { return len(f.YARA) > 0 }
	out, err := scan.Inventory(ctx, opt)
	if err != nil {
		return nil, err
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("agent hunts on one machine, got %d snapshots", len(out))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out[0].Snapshot, nil
}

// fillHuntResult lists the matched files by path, capped, with the
// collection's counts.
func fillHuntResult(res *fleet.YARAHuntResult, snap *snapshot.Snapshot) {
	for i := range snap.Files {
		f := &snap.Files[i]
		if len(f.YARA) == 0 {
			continue
		}
		res.Files = append(res.Files, fleet.YARAHuntFile{Path: f.Path, SHA256: f.SHA256, Size: f.Size, YARA: f.YARA})
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	if len(res.Files) > fleet.MaxYARAHuntFiles {
		res.Files, res.Truncated = res.Files[:fleet.MaxYARAHuntFiles], true
	}
	res.Scanned = snap.Stats.FilesSeen
	res.Errors = int64(len(snap.Errors))
	for _, n := range snap.Skipped {
		res.Skipped += n
	}
}
