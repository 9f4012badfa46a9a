package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// errBadUpload marks an upload refused for its content.
var errBadUpload = errors.New("bad upload")

// errWrongHost marks an upload for a host the credential does not own.
var errWrongHost = errors.New("snapshot is for another host")

var uploadIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)

// Ingest stores one upload for a host: it checks the snapshot, matches the
// new observations with the current intel inside the storing transaction,
// and returns the id the next delta must name.
func (s *Server) Ingest(ctx context.Context, host fleet.Host, up *fleet.Upload, kind string) (fleet.UploadResult, error) {
	in, err := s.incoming(host, up, kind)
	if err != nil {
		return fleet.UploadResult{}, err
	}
	defer s.alerts.ingest.enter()() // the alert worker steps aside meanwhile
	for range 5 {
		// Compile the intel outside the transaction: loading it inside
		// would take a second connection while holding one.
		if _, err := s.intel.current(ctx); err != nil {
			return fleet.UploadResult{}, err
		}
		var hits []store.Hit // this attempt's, for retro-trace
		res, err := s.st.Ingest(ctx, in, func(ctx context.Context, v int64, obs []store.Obs) ([]store.Hit, error) {
			h, err := s.matchIngest(ctx, v, obs)
			hits = append(hits, h...)
			return h, err
		})
		if errors.Is(err, errIntelMoved) || errors.Is(err, store.ErrConflict) {
			continue // the intel changed meanwhile, or the database broke a deadlock: again
		}
		if err == nil && !res.Duplicate {
			s.retro.found(hits, "upload "+in.UploadID+" of host "+host.UID)
			s.log.Debug("snapshot stored", "host", host.UID, "kind", in.Kind, "opened", res.Opened, "closed", res.Closed, "findings", res.Findings)
		}
		return res, err
	}
	return fleet.UploadResult{}, fmt.Errorf("intel kept changing during an ingest: %w", store.ErrConflict)
}

// errIntelMoved aborts an ingest whose transaction holds an intel version
// this replica has not compiled yet.
var errIntelMoved = errors.New("intel version moved")

// matchIngest matches a snapshot's new observations inside its
// transaction, with the intel version the transaction holds.
func (s *Server) matchIngest(ctx context.Context, version int64, obs []store.Obs) ([]store.Hit, error) {
	ist := s.intel.cached(version)
	if ist == nil {
		return nil, errIntelMoved
	}
	if s.cfg.Hooks.Ingesting != nil {
		s.cfg.Hooks.Ingesting()
	}
	return matchObs(ist.set, obs), nil
}

func (s *Server) incoming(host fleet.Host, up *fleet.Upload, kind string) (*store.Incoming, error) {
	if !uploadIDRE.MatchString(up.UploadID) {
		return nil, fmt.Errorf("%w: upload_id must be 8 to 128 letters, digits, '-' or '_'", errBadUpload)
	}
	in := &store.Incoming{HostID: host.ID, UploadID: up.UploadID, Kind: kind, Received: s.now()}
	switch {
	case up.Snapshot != nil && up.Delta != nil:
		return nil, fmt.Errorf("%w: send a snapshot or a delta, not both", errBadUpload)
	case up.Snapshot != nil:
		in.Snapshot = up.Snapshot
	case up.Delta != nil:
		in.Kind, in.Snapshot, in.Base, in.Remove, in.Digest = store.KindDelta, &up.Delta.Snapshot, up.Delta.Base, up.Delta.Remove, up.Delta.Digest
		if up.Delta.Remove.Len() > s.cfg.Limits.Files+s.cfg.Limits.Software+s.cfg.Limits.Artifacts {
			return nil, fmt.Errorf("%w: too many removed keys", errBadUpload)
		}
	default:
		return nil, fmt.Errorf("%w: no snapshot or delta", errBadUpload)
	}
	if err := fleet.ValidateSnapshot(in.Snapshot, s.cfg.Limits, s.now()); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadUpload, err)
	}
	if in.Snapshot.Host.ID != host.UID {
		return nil, fmt.Errorf("%w: the snapshot names host %q, this credential belongs to %q", errWrongHost, clip(in.Snapshot.Host.ID), host.UID)
	}
	in.Snapshot.ID = newID()
	return in, nil
}

// ImportSnapshot stores a snapshot from elsewhere (an inventory file, an
// SBOM) for the host it names, creating the host with roles when new.
func (s *Server) ImportSnapshot(ctx context.Context, snap *snapshot.Snapshot, roles []string, uploadID string) (fleet.Host, fleet.UploadResult, error) {
	if err := fleet.ValidateSnapshot(snap, s.cfg.Limits, s.now()); err != nil {
		return fleet.Host{}, fleet.UploadResult{}, fmt.Errorf("%w: %v", errBadUpload, err)
	}
	host, err := s.st.EnsureHost(ctx, snap.Host, roles, s.now())
	if err != nil {
		return host, fleet.UploadResult{}, err
	}
	res, err := s.Ingest(ctx, host, &fleet.Upload{UploadID: uploadID, Snapshot: snap}, store.KindImport)
	return host, res, err
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
