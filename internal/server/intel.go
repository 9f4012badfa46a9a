package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/store"
)

// intelState is the server's intel at one version, compiled for matching.
type intelState struct {
	version int64
	in      *intel.Intel
	set     *match.Set
	docs    []store.IntelDocument // with content
	revoked map[string]store.Revocation
	// broken names documents that no longer load (kept, not matched).
	broken map[string]error
}

// intelCache keeps the compiled intel of the latest version this replica
// has seen; every replica reloads when the stored version moves.
type intelCache struct {
	st  store.Store
	log *slog.Logger
	mu  sync.Mutex
	cur *intelState
}

// current returns the intel at the stored version.
func (c *intelCache) current(ctx context.Context) (*intelState, error) {
	v, err := c.st.IntelVersion(ctx)
	if err != nil {
		return nil, err
	}
	return c.at(ctx, v)
}

// cached returns the compiled intel of version v if this replica has it.
func (c *intelCache) cached(v int64) *intelState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.version == v {
		return c.cur
	}
	return nil
}

// at returns the intel at version v, loading it when the cache is older.
// Inside a transaction that holds the version, the load is consistent;
// elsewhere load retries until the version is steady around it.
func (c *intelCache) at(ctx context.Context, v int64) (*intelState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.version == v {
		return c.cur, nil
	}
	for range 5 {
		st, err := c.load(ctx)
		if err != nil {
			return nil, err
		}
		after, err := c.st.IntelVersion(ctx)
		if err != nil {
			return nil, err
		}
		if after == st.version {
			if c.cur == nil || st.version >= c.cur.version {
				c.cur = st
			}
			return st, nil
		}
	}
	return nil, fmt.Errorf("intel kept changing while loading: %w", store.ErrConflict)
}

func (c *intelCache) load(ctx context.Context) (*intelState, error) {
	v, err := c.st.IntelVersion(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := c.st.IntelDocs(ctx, true)
	if err != nil {
		return nil, err
	}
	revs, err := c.st.Revocations(ctx)
	if err != nil {
		return nil, err
	}
	st := &intelState{version: v, docs: docs, revoked: map[string]store.Revocation{}, broken: map[string]error{}}
	for _, r := range revs {
		st.revoked[r.Indicator] = r
	}
	st.in = mergeDocs(docs, "", nil, st.broken)
	applyRevocations(st.in, st.revoked)
	for name, err := range st.broken {
		c.log.Warn("stored intel document no longer loads; it is not matched", "doc", name, "err", err)
	}
	if st.set, err = match.Compile(st.in); err != nil {
		c.log.Warn("some intel could not be compiled", "err", err)
	}
	if st.set == nil {
		return nil, fmt.Errorf("compile intel: %w", err)
	}
	return st, nil
}

// mergeDocs parses and merges stored documents, leaving out the one named
// skip and adding extra. Each document is parsed afresh, so merged
// records never share memory with another state.
func mergeDocs(docs []store.IntelDocument, skip string, extra []byte, broken map[string]error) *intel.Intel {
	all := &intel.Intel{}
	for _, d := range docs {
		if d.Name == skip {
			continue
		}
		in, err := load.Bytes(d.Name, d.Content)
		if err != nil {
			if broken != nil {
				broken[d.Name] = err
			}
			continue
		}
		all.Merge(in)
	}
	if extra != nil {
		if in, err := load.Bytes(skip, extra); err == nil {
			all.Merge(in)
		}
	}
	return all
}

// applyRevocations withdraws revoked indicators and advisories.
func applyRevocations(in *intel.Intel, revoked map[string]store.Revocation) {
	if len(revoked) == 0 {
		return
	}
	for i := range in.Indicators {
		if _, ok := revoked[in.Indicators[i].ID]; ok {
			in.Indicators[i].Revoked = true
		}
	}
	kept := in.Advisories[:0]
	for _, a := range in.Advisories {
		if _, ok := revoked["advisory:"+a.ID]; !ok {
			kept = append(kept, a)
		}
	}
	in.Advisories = kept
}

// docByName finds a stored document.
func (st *intelState) docByName(name string) *store.IntelDocument {
	for i := range st.docs {
		if st.docs[i].Name == name {
			return &st.docs[i]
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// errBadIntel marks intel a client sent that does not load.
var errBadIntel = errors.New("intel does not load")
