package agent

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
)

// Drain uploads every queued snapshot, oldest first. It stops at the
// first one that cannot be delivered now (network, server or database
// trouble), leaving it and the rest queued.
func (a *Agent) Drain(ctx context.Context) error {
	items, err := a.state.queued()
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := a.uploadOne(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

// uploadOne sends one queued snapshot: as a delta on the last accepted
// snapshot when there is one, in full when the server has another base.
func (a *Agent) uploadOne(ctx context.Context, it queueItem) error {
	snap, err := a.state.load(it)
	if err != nil {
		a.log.Error("unreadable queued snapshot; set aside", "file", it.path, "err", err)
		return a.state.reject(it)
	}
	fleet.Dedup(snap)
	last, err := a.state.loadLast()
	if err != nil {
		a.log.Warn("last accepted snapshot unreadable; sending in full", "err", err)
		last = nil
	}
	up := &fleet.Upload{UploadID: it.uploadID, Snapshot: snap}
	if last != nil {
		up = &fleet.Upload{UploadID: it.uploadID, Delta: fleet.MakeDelta(&last.Snapshot, snap, last.SnapshotID)}
	}
	res, err := a.client.Upload(ctx, up)
	if last != nil && fleetclient.IsCode(err, fleet.CodeBaseMismatch) {
		a.log.Info("server has another base; sending the full snapshot", "base", last.SnapshotID)
		res, err = a.client.Upload(ctx, &fleet.Upload{UploadID: it.uploadID, Snapshot: snap})
	}
	switch status := fleetclient.Status(err); {
	case err == nil:
		a.log.Info("snapshot uploaded", "snapshot", res.SnapshotID, "opened", res.Opened, "closed", res.Closed,
			"duplicate", res.Duplicate, "delta", up.Delta != nil)
		if err := a.state.saveLast(&lastAccepted{SnapshotID: res.SnapshotID, Snapshot: *snap}); err != nil {
			return err
		}
		return a.state.remove(it)
	case status == http.StatusUnauthorized:
		return ErrCredentialRefused
	case fleetclient.IsCode(err, "stale"):
		a.log.Warn("server refused a queued snapshot as not newer than its last; dropped", "file", it.path, "err", err)
		return a.state.remove(it)
	case status == http.StatusConflict:
		return fmt.Errorf("upload %s: %w", it.uploadID, err) // a conflict: retry later
	case status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
		a.log.Error("server refused a queued snapshot; set aside", "file", it.path, "err", err)
		return a.state.reject(it)
	}
	return fmt.Errorf("upload %s: %w", it.uploadID, err)
}
