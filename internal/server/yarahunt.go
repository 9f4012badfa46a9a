package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel"
	myara "github.com/cascade-ir/cascade/internal/match/yara"
	"github.com/cascade-ir/cascade/internal/store"
)

// YARA hunts (docs/server.md): the server holds digests, not contents, so
// a YARA rule set is pushed to the agents, which evaluate it over their
// files and report the matches. Every request is signed with the
// server's Ed25519 key; agents receive its public half when they enroll.

// yaraHuntKeyName is the meta key of the signing key's seed (base64).
const yaraHuntKeyName = "yara_hunt_key"

// adminHuntNamespace is the namespace of rules an admin posts.
const adminHuntNamespace = "yara-hunt"

// huntSigner holds the server's hunt-signing key, loaded once from the
// store (the first replica to need it creates it).
type huntSigner struct {
	mu   sync.Mutex
	priv ed25519.PrivateKey
}

func (s *Server) huntKey(ctx context.Context) (ed25519.PrivateKey, error) {
	s.signer.mu.Lock()
	defer s.signer.mu.Unlock()
	if s.signer.priv != nil {
		return s.signer.priv, nil
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	v, err := s.st.ServerKey(ctx, yaraHuntKeyName, base64.StdEncoding.EncodeToString(seed))
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("the stored YARA hunt key is damaged")
	}
	s.signer.priv = ed25519.NewKeyFromSeed(b)
	return s.signer.priv, nil
}

// HuntPublicKey is the public key agents verify hunts with.
func (s *Server) HuntPublicKey(ctx context.Context) (ed25519.PublicKey, error) {
	k, err := s.huntKey(ctx)
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

// CreateYARAHunt checks that rules compile, resolves the scope to hosts
// and stores the signed hunt.
func (s *Server) CreateYARAHunt(ctx context.Context, rules []fleet.YARAHuntRule, scope fleet.YARAHuntScope, creator, reason string) (fleet.YARAHunt, error) {
	size := 0
	for _, r := range rules {
		size += len(r.Text)
	}
	if len(rules) == 0 || size == 0 {
		return fleet.YARAHunt{}, errorf(http.StatusBadRequest, "bad_request", "a hunt needs rule text")
	}
	if size > fleet.MaxYARAHuntRules {
		return fleet.YARAHunt{}, errorf(http.StatusRequestEntityTooLarge, "too_large", "hunt rules are %d bytes; the cap is %d", size, fleet.MaxYARAHuntRules)
	}
	if _, err := compileHunt(rules); err != nil {
		return fleet.YARAHunt{}, errorf(http.StatusBadRequest, "bad_rules", "%v", err)
	}
	key, err := s.huntKey(ctx)
	if err != nil {
		return fleet.YARAHunt{}, err
	}
	hosts, err := s.huntHosts(ctx, scope)
	if err != nil {
		return fleet.YARAHunt{}, err
	}
	h := fleet.YARAHunt{Created: s.now().UTC().Truncate(time.Millisecond), Creator: creator, Reason: reason, Rules: rules,
		Fingerprint: fleet.YARARulesFingerprint(rules), Scope: scope}
	return s.st.CreateYARAHunt(ctx, h, hosts, func(h *fleet.YARAHunt) error {
		pub := key.Public().(ed25519.PublicKey)
		h.KeyID = fleet.KeyID(pub)
		req := h.Request(fleet.DefaultYARAHuntBudget)
		h.Signature = ed25519.Sign(key, req.SignedBytes())
		return nil
	})
}

// compileHunt compiles a hunt's rules as an agent will: each text in its
// indicator's namespace.
func compileHunt(rules []fleet.YARAHuntRule) (*myara.Ruleset, error) {
	in := &intel.Intel{}
	for _, r := range rules {
		in.Indicators = append(in.Indicators, intel.Indicator{ID: r.Indicator, Type: intel.YARA, Pattern: r.Text, PatternType: "yara"})
	}
	rs, err := myara.FromIntel(in, time.Time{})
	if err == nil && rs == nil {
		err = errors.New("no rules")
	}
	return rs, err
}

// huntHosts resolves a scope to host ids, in order.
func (s *Server) huntHosts(ctx context.Context, scope fleet.YARAHuntScope) ([]int64, error) {
	var ids []int64
	if scope.All {
		for after := int64(0); ; {
			page, err := s.st.HostsAfter(ctx, after, 1000)
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			ids = append(ids, page...)
			after = page[len(page)-1]
		}
		return ids, nil
	}
	for _, id := range scope.Hosts {
		if _, err := s.st.Host(ctx, id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	for _, role := range scope.Roles {
		hs, _, err := s.st.ListHosts(ctx, store.HostQuery{Role: role, Limit: 100000})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			ids = append(ids, h.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// deriveOffline counts a hunt's hosts by state, turning hosts a canceled
// hunt never reached into "canceled", and asked or running hosts not in
// touch for the offline threshold into "offline".
func (s *Server) deriveOffline(h *fleet.YARAHunt, now time.Time) {
	h.Asked, h.Running, h.Done, h.Failed, h.Offline, h.Stopped, h.Matches = 0, 0, 0, 0, 0, 0, 0
	for i := range h.Hosts {
		x := &h.Hosts[i]
		if x.State == fleet.YARAHuntAsked && !h.Canceled.IsZero() {
			x.State = fleet.YARAHuntStopped
		}
		open := x.State == fleet.YARAHuntAsked || x.State == fleet.YARAHuntRunning
		if open && now.Sub(x.LastContact) > s.cfg.YARAHuntOffline {
			x.State = fleet.YARAHuntOffline
		}
		switch x.State {
		case fleet.YARAHuntAsked:
			h.Asked++
		case fleet.YARAHuntRunning:
			h.Running++
		case fleet.YARAHuntDone:
			h.Done++
		case fleet.YARAHuntFailed:
			h.Failed++
		case fleet.YARAHuntOffline:
			h.Offline++
		case fleet.YARAHuntStopped:
			h.Stopped++
		}
		h.Matches += x.Matches
	}
}

// yaraHuntOnIntel queues a hunt for the YARA rules an intel change added
// or changed (compared by indicator id and text). Failures are logged:
// the intel change itself stands.
func (s *Server) yaraHuntOnIntel(ctx context.Context, before, after *intel.Intel, what, actor string) {
	old := map[string]string{}
	if before != nil {
		for _, ind := range before.Indicators {
			if ind.Type == intel.YARA && !ind.Revoked {
				old[ind.ID] = ind.Pattern
			}
		}
	}
	var rules []fleet.YARAHuntRule
	for _, ind := range after.Indicators {
		if ind.Type != intel.YARA || ind.Revoked || !ind.ActiveAt(s.now()) {
			continue
		}
		if p, ok := old[ind.ID]; ok && p == ind.Pattern {
			continue
		}
		rules = append(rules, fleet.YARAHuntRule{Indicator: ind.ID, Text: ind.Pattern})
	}
	if len(rules) == 0 {
		return
	}
	slices.SortFunc(rules, func(a, b fleet.YARAHuntRule) int { return strings.Compare(a.Indicator, b.Indicator) })
	h, err := s.CreateYARAHunt(ctx, rules, fleet.YARAHuntScope{All: true}, actor, "intel "+what)
	if err != nil {
		s.log.Warn("could not queue a YARA hunt for the intel change", "change", what, "err", err)
		return
	}
	s.log.Info("YARA hunt queued", "hunt", h.ID, "rules", len(rules), "hosts", h.Asked)
	s.st.Audit(ctx, fleet.AuditEntry{At: s.now(), Actor: actor, Action: "yara_hunt.create",
		Target: fmt.Sprintf("yara hunt %d", h.ID), Detail: "intel " + what})
}

// yaraHuntHits turns a host's reported matches into findings on the
// host's recorded files: each matched file's observations (same path and
// SHA-256, on this host) are matched again with the rules' results added,
// through the matcher every snapshot goes through. It returns the hits
// and how many matched files the server has no record of.
func (s *Server) yaraHuntHits(ctx context.Context, hostID int64, files []fleet.YARAHuntFile) ([]store.Hit, int64, error) {
	cur, err := s.intel.current(ctx)
	if err != nil {
		return nil, 0, err
	}
	var digests [][]byte
	for _, f := range files {
		if d, err := hex.DecodeString(f.SHA256); err == nil && len(d) == 32 {
			digests = append(digests, d)
		}
	}
	var obs []store.Obs
	for c := range slices.Chunk(digests, 100) {
		got, err := s.st.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, DigestType: "sha256", Digests: c})
		if err != nil {
			return nil, 0, err
		}
		obs = append(obs, got...)
	}
	var hits []store.Hit
	var unrecorded int64
	now := s.now()
	for _, f := range files {
		found := false
		for i := range obs {
			o := &obs[i]
			if o.HostID != hostID || o.File == nil || o.File.Path != f.Path || !strings.EqualFold(o.File.SHA256, f.SHA256) {
				continue
			}
			found = true
			rec := *o.File
			rec.YARA = f.YARA
			if fd, ok := cur.set.FileFinding(o.HostUID, &rec, now); ok {
				hits = append(hits, hitOn(o, fd))
			}
		}
		if !found {
			unrecorded++
		}
	}
	return hits, unrecorded, nil
}

// FinishYARAHunt stores one host's result.
func (s *Server) FinishYARAHunt(ctx context.Context, huntID, hostID int64, res *fleet.YARAHuntResult) (store.YARAHuntFinish, error) {
	f := store.YARAHuntFinish{HuntID: huntID, HostID: hostID, State: fleet.YARAHuntDone, Error: res.Error,
		Scanned: res.Scanned, Errors: res.Errors, Skipped: res.Skipped, Now: s.now()}
	if res.Error != "" {
		f.State = fleet.YARAHuntFailed
	}
	for _, file := range res.Files {
		f.Matches += int64(len(file.YARA))
	}
	var err error
	if f.Hits, f.Unrecorded, err = s.yaraHuntHits(ctx, hostID, res.Files); err != nil {
		return f, err
	}
	if err := s.st.FinishYARAHunt(ctx, f); err != nil {
		return f, err
	}
	if len(f.Hits) > 0 {
		s.retro.found(f.Hits, fmt.Sprintf("yara-hunt:%d", huntID))
	}
	return f, nil
}
