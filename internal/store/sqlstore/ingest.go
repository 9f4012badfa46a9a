package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// hostState is the part of a host row ingest works from.
type hostState struct {
	id                  int64
	uid, name           string
	lastSeen            int64
	snapshotID          string
	snapshots           int
	digest              fleet.Digest
	nSoft, nFile, nArti int
}

// part is one kind of record in an incoming snapshot.
type part struct {
	t    obsTable
	keys []fleet.Key
	idx  []int // index of each key's record in the snapshot
	rm   []fleet.Key
	row  func(i int) (obsRow, error)
	obs  func(i int, o *store.Obs)
	// results
	closed []int64
}

// Ingest stores one snapshot in one transaction.
func (s *Store) Ingest(ctx context.Context, in *store.Incoming, match store.MatchFunc) (fleet.UploadResult, error) {
	var res fleet.UploadResult
	err := s.writeBackground(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.ingest(ctx, tx, in, match)
		return err
	})
	return res, err
}

func (s *Store) ingest(ctx context.Context, tx *sql.Tx, in *store.Incoming, match store.MatchFunc) (fleet.UploadResult, error) {
	h, err := s.lockHost(ctx, tx, in.HostID)
	if err != nil {
		return fleet.UploadResult{}, err
	}
	if res, ok, err := s.priorUpload(ctx, tx, h.id, in.UploadID); err != nil || ok {
		return res, err
	}
	snap := in.Snapshot
	at := ms(snap.Host.CollectedAt)
	if h.snapshots > 0 && at <= h.lastSeen {
		return fleet.UploadResult{}, fmt.Errorf("%w (collected %s, last %s)", store.ErrStale,
			snap.Host.CollectedAt.UTC().Format("2006-01-02T15:04:05.000Z"), tm(h.lastSeen).Format("2006-01-02T15:04:05.000Z"))
	}
	parts := partsOf(snap, in)
	digest, err := s.plan(ctx, tx, h, in, parts)
	if err != nil {
		return fleet.UploadResult{}, err
	}
	res := fleet.UploadResult{SnapshotID: snap.ID}
	if res.SnapshotID == "" {
		res.SnapshotID = newID()
	}
	for _, p := range parts {
		if err := s.closeObs(ctx, tx, p.t, p.closed, h.lastSeen, at); err != nil {
			return res, err
		}
		if err := s.openObs(ctx, tx, p, h.id, at); err != nil {
			return res, err
		}
		res.Opened += len(p.keys)
		res.Closed += len(p.closed)
	}
	if res.Findings, err = s.matchNew(ctx, tx, h, parts, at, match); err != nil {
		return res, err
	}
	if res.Closed > 0 {
		if err := s.refreshHostFindings(ctx, tx, h.id); err != nil {
			return res, err
		}
	}
	return res, s.recordSnapshot(ctx, tx, h, in, parts, digest, res)
}

func (s *Store) lockHost(ctx context.Context, tx *sql.Tx, id int64) (hostState, error) {
	var h hostState
	var dg []byte
	err := s.row(ctx, tx, `SELECT id, uid, name, last_seen, snapshot_id, snapshots, digest, n_software, n_files, n_artifacts
		FROM hosts WHERE id = ?`+s.d.ForUpdate, id).Scan(&h.id, &h.uid, &h.name, &h.lastSeen, &h.snapshotID,
		&h.snapshots, &dg, &h.nSoft, &h.nFile, &h.nArti)
	if err != nil {
		return h, fmt.Errorf("host %d: %w", id, s.wrap(err))
	}
	copy(h.digest[:], dg)
	return h, nil
}

// priorUpload answers a repeated upload id with the first result.
func (s *Store) priorUpload(ctx context.Context, tx *sql.Tx, hostID int64, uploadID string) (fleet.UploadResult, bool, error) {
	var raw []byte
	err := s.row(ctx, tx, "SELECT result FROM snapshots WHERE host_id = ? AND upload_id = ?", hostID, uploadID).Scan(&raw)
	if err == sql.ErrNoRows {
		return fleet.UploadResult{}, false, nil
	}
	if err != nil {
		return fleet.UploadResult{}, false, fmt.Errorf("look up upload: %w", s.wrap(err))
	}
	var res fleet.UploadResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return res, false, fmt.Errorf("stored upload result: %w", err)
	}
	res.Duplicate = true
	return res, true, nil
}

// partsOf keys the snapshot's records, dropping repeated keys.
func partsOf(snap *snapshot.Snapshot, in *store.Incoming) []*part {
	sw := &part{t: softwareT, rm: in.Remove.Software,
		row: func(i int) (obsRow, error) { return softwareRow(&snap.Software[i]) },
		obs: func(i int, o *store.Obs) { o.Software = &snap.Software[i] }}
	fi := &part{t: fileT, rm: in.Remove.Files,
		row: func(i int) (obsRow, error) { return fileRow(&snap.Files[i]) },
		obs: func(i int, o *store.Obs) { o.File = &snap.Files[i] }}
	ar := &part{t: artifactT, rm: in.Remove.Artifacts,
		row: func(i int) (obsRow, error) { return artifactRow(&snap.Artifacts[i]) },
		obs: func(i int, o *store.Obs) { o.Artifact = &snap.Artifacts[i] }}
	keyAll(sw, len(snap.Software), func(i int) fleet.Key { return fleet.SoftwareKey(&snap.Software[i]) })
	keyAll(fi, len(snap.Files), func(i int) fleet.Key { return fleet.FileKey(&snap.Files[i]) })
	keyAll(ar, len(snap.Artifacts), func(i int) fleet.Key { return fleet.ArtifactKey(&snap.Artifacts[i]) })
	return []*part{sw, fi, ar}
}

func keyAll(p *part, n int, key func(int) fleet.Key) {
	seen := make(map[fleet.Key]struct{}, n)
	for i := range n {
		k := key(i)
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		p.keys = append(p.keys, k)
		p.idx = append(p.idx, i)
	}
}

// plan decides, per kind, which observations open and which close, and
// returns the host's state digest after the snapshot.
func (s *Store) plan(ctx context.Context, tx *sql.Tx, h hostState, in *store.Incoming, parts []*part) (fleet.Digest, error) {
	if in.Kind == store.KindDelta {
		return s.planDelta(ctx, tx, h, in, parts)
	}
	var digest fleet.Digest
	for _, p := range parts {
		for _, k := range p.keys {
			digest.Toggle(k)
		}
	}
	if h.snapshots > 0 && digest == h.digest {
		for _, p := range parts { // unchanged: nothing opens or closes
			p.keys, p.idx = nil, nil
		}
		return digest, nil
	}
	for _, p := range parts {
		open, err := s.openKeys(ctx, tx, p.t, h.id, nil)
		if err != nil {
			return digest, err
		}
		keepNew(p, open)
		for _, id := range open {
			p.closed = append(p.closed, id)
		}
	}
	return digest, nil
}

// keepNew narrows p to keys not open yet, removing the open ones from open.
func keepNew(p *part, open map[fleet.Key]int64) {
	keys, idx := p.keys[:0], p.idx[:0]
	for i, k := range p.keys {
		if _, ok := open[k]; ok {
			delete(open, k)
			continue
		}
		keys, idx = append(keys, k), append(idx, p.idx[i])
	}
	p.keys, p.idx = keys, idx
}

func (s *Store) planDelta(ctx context.Context, tx *sql.Tx, h hostState, in *store.Incoming, parts []*part) (fleet.Digest, error) {
	digest := h.digest
	if h.snapshots == 0 || in.Base != h.snapshotID {
		return digest, fmt.Errorf("%w: base %q, host is at %q", store.ErrBaseMismatch, in.Base, h.snapshotID)
	}
	for _, p := range parts {
		ask := append(append([]fleet.Key{}, p.keys...), p.rm...)
		open, err := s.openKeys(ctx, tx, p.t, h.id, ask)
		if err != nil {
			return digest, err
		}
		for _, k := range p.rm {
			if id, ok := open[k]; ok {
				p.closed = append(p.closed, id)
				delete(open, k)
				digest.Toggle(k)
			}
		}
		keepNew(p, open)
		for _, k := range p.keys {
			digest.Toggle(k)
		}
	}
	if digest != in.Digest {
		return digest, fmt.Errorf("%w: state digest after the delta is %s, agent expects %s", store.ErrBaseMismatch, digest, in.Digest)
	}
	return digest, nil
}

// openObs inserts p's new records.
func (s *Store) openObs(ctx context.Context, tx *sql.Tx, p *part, hostID, at int64) error {
	rows := make([]obsRow, len(p.keys))
	for i := range p.keys {
		r, err := p.row(p.idx[i])
		if err != nil {
			return fmt.Errorf("encode %s: %w", p.t.kind, err)
		}
		rows[i] = r
	}
	return s.insertObs(ctx, tx, p.t, hostID, at, rows)
}

// matchNew matches the opened observations and stores their findings.
// The matcher sees each new observation under a provisional id (-1, -2, …);
// the real ids of the few that matched are looked up afterwards.
func (s *Store) matchNew(ctx context.Context, tx *sql.Tx, h hostState, parts []*part, at int64, match store.MatchFunc) (int, error) {
	var obs []store.Obs
	type ref struct {
		p   *part
		key fleet.Key
	}
	var refs []ref
	for _, p := range parts {
		for i, k := range p.keys {
			o := store.Obs{HostUID: h.uid, HostName: h.name}
			o.ID, o.HostID, o.Kind = -int64(len(obs)+1), h.id, p.t.kind
			o.FirstSeen, o.LastSeen, o.Present = tm(at), tm(at), true
			p.obs(p.idx[i], &o)
			obs = append(obs, o)
			refs = append(refs, ref{p, k})
		}
	}
	if len(obs) == 0 || match == nil {
		return 0, nil
	}
	version, err := s.lockIntelVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	hits, err := match(ctx, version, obs)
	if err != nil || len(hits) == 0 {
		return 0, err
	}
	for i := range hits {
		r := refs[-hits[i].ObsID-1]
		ids, err := s.openKeys(ctx, tx, r.p.t, h.id, []fleet.Key{r.key})
		if err != nil {
			return 0, err
		}
		if hits[i].ObsID = ids[r.key]; hits[i].ObsID == 0 {
			return 0, fmt.Errorf("new %s observation not found after insert", r.p.t.kind)
		}
	}
	return s.upsertHits(ctx, tx, hits, "snapshot", at, true)
}

// lockIntelVersion reads the intel version and holds it (PostgreSQL: a
// share lock) until the transaction ends, so an intel change commits only
// after every snapshot matched with the old intel, and its hunt sees them.
func (s *Store) lockIntelVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v int64
	err := s.row(ctx, tx, "SELECT version FROM intel_state WHERE id = 1"+s.d.ForShare).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("intel version: %w", s.wrap(err))
	}
	return v, nil
}

// snapshotInfo is what a snapshot row keeps besides its counts.
type snapshotInfo struct {
	Stats   snapshot.Stats   `json:"stats"`
	Skipped map[string]int64 `json:"skipped,omitempty"`
	Errors  int              `json:"errors"`
}
