package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/store"
)

// ImportIntel stores an intel document, replacing one of the same name,
// and queues the retro-hunt its changes need. Importing the same content
// again changes nothing.
func (s *Server) ImportIntel(ctx context.Context, name, origin string, data []byte, actor string) (fleet.IntelImported, error) {
	if name == "" || len(name) > 256 || strings.ContainsAny(name, "\x00\n") {
		return fleet.IntelImported{}, fmt.Errorf("%w: a document name of 1 to 256 characters is required", errBadIntel)
	}
	in, err := load.Bytes(name, data)
	if err != nil {
		return fleet.IntelImported{}, fmt.Errorf("%w: %v", errBadIntel, err)
	}
	sum := sha256Hex(data)
	doc := &store.IntelDocument{IntelDoc: fleet.IntelDoc{Name: name, Origin: origin, SHA256: sum, Size: int64(len(data)),
		Counts: in.Counts(), Sources: sourceNames(in), ImportedAt: s.now(), ImportedBy: actor}, Content: data}
	return s.changeIntel(ctx, "import "+name, actor, func(cur *intelState) (*store.IntelChange, *intel.Intel, *fleet.IntelDoc) {
		if d := cur.docByName(name); d != nil && d.SHA256 == sum {
			return nil, nil, &d.IntelDoc
		}
		next := mergeDocs(cur.docs, name, data, nil)
		applyRevocations(next, cur.revoked)
		return &store.IntelChange{Put: doc}, next, &doc.IntelDoc
	})
}

// RemoveIntel deletes a stored document; findings it alone supported are
// retracted by the hunt it queues.
func (s *Server) RemoveIntel(ctx context.Context, name, actor string) (fleet.IntelImported, error) {
	return s.changeIntel(ctx, "remove "+name, actor, func(cur *intelState) (*store.IntelChange, *intel.Intel, *fleet.IntelDoc) {
		d := cur.docByName(name)
		if d == nil {
			return &store.IntelChange{Delete: name}, cur.in, nil // the store answers not found
		}
		next := mergeDocs(cur.docs, name, nil, nil)
		applyRevocations(next, cur.revoked)
		return &store.IntelChange{Delete: name}, next, &d.IntelDoc
	})
}

// Revoke withdraws an indicator (or "advisory:<id>") server-wide.
func (s *Server) Revoke(ctx context.Context, id, reason, actor string) (fleet.IntelImported, error) {
	if id == "" {
		return fleet.IntelImported{}, fmt.Errorf("%w: an indicator id is required", errBadIntel)
	}
	return s.changeIntel(ctx, "revoke "+id, actor, func(cur *intelState) (*store.IntelChange, *intel.Intel, *fleet.IntelDoc) {
		revoked := map[string]store.Revocation{id: {}}
		for k, v := range cur.revoked {
			revoked[k] = v
		}
		next := mergeDocs(cur.docs, "", nil, nil)
		applyRevocations(next, revoked)
		r := &store.Revocation{Indicator: id, Reason: reason, By: actor, At: s.now()}
		return &store.IntelChange{Revoke: r}, next, nil
	})
}

// Unrevoke restores a revoked indicator.
func (s *Server) Unrevoke(ctx context.Context, id, actor string) (fleet.IntelImported, error) {
	return s.changeIntel(ctx, "unrevoke "+id, actor, func(cur *intelState) (*store.IntelChange, *intel.Intel, *fleet.IntelDoc) {
		revoked := map[string]store.Revocation{}
		for k, v := range cur.revoked {
			if k != id {
				revoked[k] = v
			}
		}
		next := mergeDocs(cur.docs, "", nil, nil)
		applyRevocations(next, revoked)
		return &store.IntelChange{Unrevoke: id}, next, nil
	})
}

// changeIntel applies a change computed against the current intel,
// retrying when another change won the race.
func (s *Server) changeIntel(ctx context.Context, what, actor string,
	plan func(cur *intelState) (*store.IntelChange, *intel.Intel, *fleet.IntelDoc)) (fleet.IntelImported, error) {
	for range 8 {
		cur, err := s.intel.current(ctx)
		if err != nil {
			return fleet.IntelImported{}, err
		}
		change, next, doc := plan(cur)
		res := fleet.IntelImported{Version: cur.version}
		if doc != nil {
			res.Doc = *doc
		}
		if change == nil {
			return res, nil
		}
		change.ExpectVersion, change.Now = cur.version, s.now()
		if spec := diffIntel(cur.in, next); !spec.Empty() {
			change.HuntSpec, _ = json.Marshal(spec)
			change.HuntReason = fmt.Sprintf("%s by %s", what, actor)
		}
		v, hunt, err := s.st.ApplyIntelChange(ctx, *change)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return res, err
		}
		res.Changed, res.Version, res.HuntID = true, v, hunt
		s.log.Info("intel changed", "change", what, "by", actor, "version", v, "hunt", hunt)
		s.hunter.poke()
		s.yaraHuntOnIntel(ctx, cur.in, next, what, actor)
		return res, nil
	}
	return fleet.IntelImported{}, fmt.Errorf("intel %s: %w", what, store.ErrConflict)
}

func sourceNames(in *intel.Intel) []string {
	var out []string
	for _, src := range in.Sources {
		n := src.Name
		if n == "" {
			n = src.ID
		}
		out = append(out, n)
	}
	return out
}

// poke wakes the hunter after an intel change.
func (h *hunter) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}
