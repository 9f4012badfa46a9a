package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

func decodeInfo(raw []byte, si *fleet.SnapshotInfo) {
	var info snapshotInfo
	if json.Unmarshal(raw, &info) == nil {
		si.Stats, si.Skipped, si.Errors = info.Stats, info.Skipped, info.Errors
	}
}

func (s *Store) recordSnapshot(ctx context.Context, tx *sql.Tx, h hostState, in *store.Incoming, parts []*part, digest fleet.Digest, res fleet.UploadResult) error {
	snap := in.Snapshot
	info, _ := json.Marshal(snapshotInfo{snap.Stats, snap.Skipped, snapshot.Problems(snap.Errors)})
	result, _ := json.Marshal(res)
	at := ms(snap.Host.CollectedAt)
	_, err := s.exec(ctx, tx, `INSERT INTO snapshots (host_id, id, upload_id, collected_at, received_at, kind, opened, closed, collector, info, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.id, res.SnapshotID, in.UploadID, at, ms(in.Received), in.Kind,
		res.Opened, res.Closed, snap.Host.Collector, info, result)
	if err != nil {
		return fmt.Errorf("record snapshot: %w", err)
	}
	counts := [3]int{h.nSoft, h.nFile, h.nArti}
	for i, p := range parts {
		counts[i] += len(p.keys) - len(p.closed)
	}
	_, err = s.exec(ctx, tx, `UPDATE hosts SET last_seen = ?, last_upload = ?, snapshot_id = ?, snapshots = snapshots + 1,
		digest = ?, n_software = ?, n_files = ?, n_artifacts = ?,
		name = CASE WHEN ? <> '' THEN ? ELSE name END, os = CASE WHEN ? <> '' THEN ? ELSE os END,
		os_version = CASE WHEN ? <> '' THEN ? ELSE os_version END
		WHERE id = ?`, at, ms(in.Received), res.SnapshotID, digest[:], counts[0], counts[1], counts[2],
		snap.Host.Name, snap.Host.Name, snap.Host.OS, snap.Host.OS, snap.Host.OSVersion, snap.Host.OSVersion, h.id)
	if err != nil {
		return fmt.Errorf("update host: %w", err)
	}
	return nil
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
