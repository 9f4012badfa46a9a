package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

const hostCols = `h.id, h.uid, h.name, h.os, h.os_version, h.arch, h.source, h.created, h.last_seen,
	h.last_upload, h.snapshot_id, h.snapshots, h.n_software, h.n_files, h.n_artifacts, h.enroll_refused, h.enroll_refused_at,
	(SELECT COUNT(*) FROM findings f WHERE f.host_id = h.id AND f.present = 1 AND f.retracted = 0
		AND f.state IN ('new', 'acknowledged'))`

func scanHost(sc interface{ Scan(...any) error }) (fleet.Host, error) {
	var h fleet.Host
	var created, last, upload, refusedAt int64
	err := sc.Scan(&h.ID, &h.UID, &h.Name, &h.OS, &h.OSVersion, &h.Arch, &h.Source, &created, &last,
		&upload, &h.SnapshotID, &h.Snapshots, &h.Software, &h.Files, &h.Artifacts, &h.EnrollRefused, &refusedAt, &h.OpenFindings)
	h.Created, h.LastSeen, h.LastUpload, h.EnrollRefusedAt = tm(created), tm(last), tm(upload), tm(refusedAt)
	h.Roles = []string{}
	return h, err
}

// EnsureHost creates the host on first sight and refreshes its facts.
func (s *Store) EnsureHost(ctx context.Context, sh snapshot.Host, roles []string, now time.Time) (fleet.Host, error) {
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.ensureHost(ctx, tx, sh, roles, now)
		return err
	})
	if err != nil {
		return fleet.Host{}, err
	}
	return s.Host(ctx, id)
}

func (s *Store) ensureHost(ctx context.Context, tx *sql.Tx, sh snapshot.Host, roles []string, now time.Time) (int64, error) {
	var id int64
	err := s.row(ctx, tx, `INSERT INTO hosts (uid, name, os, os_version, arch, source, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (uid) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE hosts.name END,
			os = CASE WHEN excluded.os <> '' THEN excluded.os ELSE hosts.os END,
			os_version = CASE WHEN excluded.os_version <> '' THEN excluded.os_version ELSE hosts.os_version END,
			arch = CASE WHEN excluded.arch <> '' THEN excluded.arch ELSE hosts.arch END,
			source = CASE WHEN excluded.source <> '' THEN excluded.source ELSE hosts.source END
		RETURNING id`, sh.ID, sh.Name, sh.OS, sh.OSVersion, sh.Arch, sh.Source, ms(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store host %q: %w", sh.ID, s.wrap(err))
	}
	return id, s.addRoles(ctx, tx, id, roles)
}

// newHost creates the host with sh.ID as uid and returns its id, or 0
// when a host with that uid exists (also one another transaction is
// creating: the unique index decides, not an earlier look-up).
func (s *Store) newHost(ctx context.Context, tx *sql.Tx, sh snapshot.Host, roles []string, now time.Time) (int64, error) {
	var id int64
	err := s.row(ctx, tx, `INSERT INTO hosts (uid, name, os, os_version, arch, source, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING RETURNING id`,
		sh.ID, sh.Name, sh.OS, sh.OSVersion, sh.Arch, sh.Source, ms(now)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store host %q: %w", sh.ID, s.wrap(err))
	}
	return id, s.addRoles(ctx, tx, id, roles)
}

func (s *Store) addRoles(ctx context.Context, tx *sql.Tx, id int64, roles []string) error {
	for _, r := range roles {
		if _, err := s.exec(ctx, tx, `INSERT INTO host_roles (host_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, r); err != nil {
			return fmt.Errorf("store host role: %w", err)
		}
	}
	return nil
}

// Host returns one host.
func (s *Store) Host(ctx context.Context, id int64) (fleet.Host, error) {
	return s.oneHost(ctx, "h.id = ?", id)
}

// HostByUID returns the host with the given uid.
func (s *Store) HostByUID(ctx context.Context, uid string) (fleet.Host, error) {
	return s.oneHost(ctx, "h.uid = ?", uid)
}

func (s *Store) oneHost(ctx context.Context, cond string, arg any) (fleet.Host, error) {
	h, err := scanHost(s.row(ctx, s.db, "SELECT "+hostCols+" FROM hosts h WHERE "+cond, arg))
	if err != nil {
		return h, fmt.Errorf("host %v: %w", arg, s.wrap(err))
	}
	hs := []fleet.Host{h}
	if err := s.fillRoles(ctx, hs); err != nil {
		return h, err
	}
	return hs[0], nil
}

// ListHosts lists hosts by name with the total count.
func (s *Store) ListHosts(ctx context.Context, q store.HostQuery) ([]fleet.Host, int, error) {
	where, args := "1 = 1", []any{}
	if q.Search != "" {
		where += " AND (h.name " + s.d.ILike + ` ? ESCAPE '\' OR h.uid ` + s.d.ILike + ` ? ESCAPE '\')`
		args = append(args, likeEscape(q.Search), likeEscape(q.Search))
	}
	if q.Role != "" {
		where += " AND EXISTS (SELECT 1 FROM host_roles r WHERE r.host_id = h.id AND r.role = ?)"
		args = append(args, q.Role)
	}
	total, err := s.total(ctx, "SELECT COUNT(*) FROM hosts h WHERE "+where, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("count hosts: %w", err)
	}
	// The page's ids first, then their columns: an engine that computes
	// the select list before skipping the offset (PostgreSQL does) would
	// otherwise count the open findings of every host before the page.
	pg, pargs := page(clampLimit(q.Limit, 100, 10000), q.Offset)
	rows, err := s.query(ctx, s.db, "SELECT "+hostCols+" FROM (SELECT h.id FROM hosts h WHERE "+where+
		" ORDER BY h.name, h.id"+pg+") p JOIN hosts h ON h.id = p.id ORDER BY h.name, h.id",
		append(args, pargs...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list hosts: %w", err)
	}
	defer rows.Close()
	var out []fleet.Host
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list hosts: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err)
	}
	return out, total, s.fillRoles(ctx, out)
}

func (s *Store) fillRoles(ctx context.Context, hs []fleet.Host) error {
	if len(hs) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(hs))
	for i, h := range hs {
		at[h.ID], ids[i] = i, h.ID
	}
	for _, c := range chunks(ids, s.d.MaxVars) {
		cond, args := inList(s.d, "host_id", c)
		rows, err := s.query(ctx, s.db, "SELECT host_id, role FROM host_roles WHERE "+cond, args...)
		if err != nil {
			return fmt.Errorf("host roles: %w", err)
		}
		for rows.Next() {
			var id int64
			var role string
			if err := rows.Scan(&id, &role); err != nil {
				rows.Close()
				return err
			}
			hs[at[id]].Roles = append(hs[at[id]].Roles, role)
		}
		rows.Close()
	}
	for i := range hs {
		sort.Strings(hs[i].Roles)
	}
	return nil
}

// SetHostRoles replaces a host's roles.
func (s *Store) SetHostRoles(ctx context.Context, id int64, roles []string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := s.row(ctx, tx, "SELECT 1 FROM hosts WHERE id = ?", id).Scan(&one); err != nil {
			return fmt.Errorf("host %d: %w", id, s.wrap(err))
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM host_roles WHERE host_id = ?", id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := s.exec(ctx, tx, "INSERT INTO host_roles (host_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING", id, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Observations lists a host's observations of one kind.
func (s *Store) Observations(ctx context.Context, q store.ObsQuery) ([]fleet.Observation, error) {
	t, err := tableFor(q.Kind)
	if err != nil {
		return nil, err
	}
	where, args := "o.host_id = ?", []any{q.HostID}
	if !q.History {
		where += " AND o.closed_at IS NULL"
	}
	if q.Search != "" {
		where += " AND " + t.search + " " + s.d.ILike + ` ? ESCAPE '\'`
		args = append(args, likeEscape(q.Search))
	}
	pg, pargs := page(clampLimit(q.Limit, 1000, 100000), q.Offset)
	rows, err := s.query(ctx, s.db, "SELECT "+t.selectList()+t.from()+"WHERE "+where+" ORDER BY "+t.order+pg,
		append(args, pargs...)...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.kind, err)
	}
	obs, err := s.scanObs(t, rows)
	if err != nil {
		return nil, err
	}
	out := make([]fleet.Observation, len(obs))
	for i := range obs {
		out[i] = obs[i].Observation
	}
	return out, nil
}

// Snapshots lists a host's accepted snapshots, newest first.
func (s *Store) Snapshots(ctx context.Context, hostID int64, limit int) ([]fleet.SnapshotInfo, error) {
	rows, err := s.query(ctx, s.db, `SELECT id, host_id, upload_id, collected_at, received_at, kind, opened, closed, collector, info
		FROM snapshots WHERE host_id = ? ORDER BY collected_at DESC LIMIT `+strconv.Itoa(clampLimit(limit, 100, 10000)), hostID)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	var out []fleet.SnapshotInfo
	for rows.Next() {
		var si fleet.SnapshotInfo
		var col, rec int64
		var info []byte
		if err := rows.Scan(&si.ID, &si.HostID, &si.UploadID, &col, &rec, &si.Kind, &si.Opened, &si.Closed, &si.Collector, &info); err != nil {
			return nil, err
		}
		si.CollectedAt, si.ReceivedAt = tm(col), tm(rec)
		decodeInfo(info, &si)
		out = append(out, si)
	}
	return out, s.wrap(rows.Err())
}

// ObservationsAfter lists observations of one kind across hosts by id.
func (s *Store) ObservationsAfter(ctx context.Context, kind string, afterID int64, limit int) ([]store.Obs, error) {
	t, err := tableFor(kind)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db, "SELECT "+t.selectList()+t.from()+"WHERE o.id > ? ORDER BY o.id LIMIT "+
		strconv.Itoa(clampLimit(limit, 1000, 10000)), afterID)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.kind, err)
	}
	return s.scanObs(t, rows)
}
