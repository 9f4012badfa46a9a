package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// ServerKey keeps a server secret in meta: the first stored value wins,
// so replicas sharing a database share the key.
func (s *Store) ServerKey(ctx context.Context, name, fresh string) (string, error) {
	var v string
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", name, fresh); err != nil {
			return err
		}
		return s.row(ctx, tx, "SELECT value FROM meta WHERE key = ?", name).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("server key %s: %w", name, s.wrap(err))
	}
	return v, nil
}

// CreateYARAHunt stores a hunt and its asked hosts in one transaction.
func (s *Store) CreateYARAHunt(ctx context.Context, h fleet.YARAHunt, hostIDs []int64, sign func(*fleet.YARAHunt) error) (fleet.YARAHunt, error) {
	rules, err := json.Marshal(h.Rules)
	if err != nil {
		return h, err
	}
	scope, err := json.Marshal(h.Scope)
	if err != nil {
		return h, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `INSERT INTO yara_hunts (created, creator, reason, rules, fingerprint, scope)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, ms(h.Created), h.Creator, h.Reason, string(rules), h.Fingerprint, string(scope)).Scan(&h.ID)
		if err != nil {
			return err
		}
		if err := sign(&h); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE yara_hunts SET key_id = ?, signature = ? WHERE id = ?",
			h.KeyID, base64.StdEncoding.EncodeToString(h.Signature), h.ID); err != nil {
			return err
		}
		for _, id := range hostIDs {
			if _, err := s.exec(ctx, tx, `INSERT INTO yara_hunt_hosts (hunt_id, host_id, state, asked_at) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, h.ID, id, fleet.YARAHuntAsked, ms(h.Created)); err != nil {
				return err
			}
		}
		h.Asked = len(hostIDs)
		return nil
	})
	if err != nil {
		return h, fmt.Errorf("create YARA hunt: %w", s.wrap(err))
	}
	return h, nil
}

const yaraHuntCols = `y.id, y.created, y.creator, y.reason, y.fingerprint, y.scope, y.key_id, y.signature, y.canceled`

func scanYARAHunt(sc interface{ Scan(...any) error }, rules *string) (fleet.YARAHunt, error) {
	var h fleet.YARAHunt
	var created, canceled int64
	var scope, sig string
	dst := []any{&h.ID, &created, &h.Creator, &h.Reason, &h.Fingerprint, &scope, &h.KeyID, &sig, &canceled}
	if rules != nil {
		dst = append(dst, rules)
	}
	if err := sc.Scan(dst...); err != nil {
		return h, err
	}
	h.Created, h.Canceled = tm(created), tm(canceled)
	h.Signature, _ = base64.StdEncoding.DecodeString(sig)
	if err := json.Unmarshal([]byte(scope), &h.Scope); err != nil {
		return h, fmt.Errorf("YARA hunt %d scope: %w", h.ID, err)
	}
	if rules != nil {
		if err := json.Unmarshal([]byte(*rules), &h.Rules); err != nil {
			return h, fmt.Errorf("YARA hunt %d rules: %w", h.ID, err)
		}
	}
	return h, nil
}

// YARAHunts lists hunts, newest first, with their hosts (for the counts)
// but without rules.
func (s *Store) YARAHunts(ctx context.Context, limit int) ([]fleet.YARAHunt, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+yaraHuntCols+" FROM yara_hunts y ORDER BY y.id DESC LIMIT "+strconv.Itoa(clampLimit(limit, 50, 1000)))
	if err != nil {
		return nil, err
	}
	var out []fleet.YARAHunt
	for rows.Next() {
		h, err := scanYARAHunt(rows, nil)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// Every listed hunt's hosts in one query, not one query per hunt.
	ids := make([]any, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	hosts, err := s.yaraHuntHostRows(ctx, "r.hunt_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Hosts = hosts[out[i].ID]
	}
	return out, nil
}

// YARAHunt returns one hunt with its rules and hosts.
func (s *Store) YARAHunt(ctx context.Context, id int64) (fleet.YARAHunt, error) {
	var rules string
	h, err := scanYARAHunt(s.row(ctx, s.db, "SELECT "+yaraHuntCols+", y.rules FROM yara_hunts y WHERE y.id = ?", id), &rules)
	if err != nil {
		return h, fmt.Errorf("YARA hunt %d: %w", id, s.wrap(err))
	}
	h.Hosts, err = s.yaraHuntHosts(ctx, id)
	return h, err
}

func (s *Store) yaraHuntHosts(ctx context.Context, id int64) ([]fleet.YARAHuntHost, error) {
	hosts, err := s.yaraHuntHostRows(ctx, "r.hunt_id = ?", id)
	return hosts[id], err
}

// yaraHuntHostRows reads the host rows of the hunts where selects, by
// hunt id, each hunt's rows in host order.
func (s *Store) yaraHuntHostRows(ctx context.Context, where string, args ...any) (map[int64][]fleet.YARAHuntHost, error) {
	rows, err := s.query(ctx, s.db, `SELECT r.hunt_id, r.host_id, h.name, r.state, r.asked_at, r.polled_at, r.picked_at, r.done_at,
		h.last_upload, r.error, r.matches, r.findings, r.unrecorded, r.scanned, r.errors, r.skipped
		FROM yara_hunt_hosts r JOIN hosts h ON h.id = r.host_id WHERE `+where+` ORDER BY r.hunt_id, r.host_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]fleet.YARAHuntHost{}
	for rows.Next() {
		var x fleet.YARAHuntHost
		var hunt, asked, polled, picked, done, upload int64
		if err := rows.Scan(&hunt, &x.HostID, &x.HostName, &x.State, &asked, &polled, &picked, &done, &upload, &x.Error,
			&x.Matches, &x.Findings, &x.Unrecorded, &x.Scanned, &x.Errors, &x.Skipped); err != nil {
			return nil, err
		}
		x.AskedAt, x.PolledAt, x.PickedAt, x.DoneAt = tm(asked), tm(polled), tm(picked), tm(done)
		x.LastContact = tm(max(polled, upload))
		out[hunt] = append(out[hunt], x)
	}
	return out, s.wrap(rows.Err())
}

// PendingYARAHunt returns the host's oldest open hunt and records the
// poll on every open row of the host.
func (s *Store) PendingYARAHunt(ctx context.Context, hostID int64, now time.Time) (*fleet.YARAHunt, error) {
	var out *fleet.YARAHunt
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `UPDATE yara_hunt_hosts SET polled_at = ? WHERE host_id = ? AND state IN (?, ?)`,
			ms(now), hostID, fleet.YARAHuntAsked, fleet.YARAHuntRunning); err != nil {
			return err
		}
		var rules string
		h, err := scanYARAHunt(s.row(ctx, tx, "SELECT "+yaraHuntCols+`, y.rules FROM yara_hunts y
			JOIN yara_hunt_hosts r ON r.hunt_id = y.id
			WHERE r.host_id = ? AND r.state IN (?, ?) AND y.canceled = 0 ORDER BY y.id LIMIT 1`,
			hostID, fleet.YARAHuntAsked, fleet.YARAHuntRunning), &rules)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		out = &h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending YARA hunt of host %d: %w", hostID, s.wrap(err))
	}
	return out, nil
}

// StartYARAHunt marks the host's row running.
func (s *Store) StartYARAHunt(ctx context.Context, huntID, hostID int64, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE yara_hunt_hosts SET state = ?, picked_at = ? WHERE hunt_id = ? AND host_id = ? AND state = ?`,
			fleet.YARAHuntRunning, ms(now), huntID, hostID, fleet.YARAHuntAsked)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("YARA hunt %d on host %d is not waiting: %w", huntID, hostID, store.ErrConflict)
		}
		return nil
	})
}

// FinishYARAHunt stores a host's result and the findings its matches
// made, in one transaction.
func (s *Store) FinishYARAHunt(ctx context.Context, f store.YARAHuntFinish) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := s.row(ctx, tx, "SELECT state FROM yara_hunt_hosts WHERE hunt_id = ? AND host_id = ?"+s.d.ForUpdate, f.HuntID, f.HostID).Scan(&state)
		if err == sql.ErrNoRows {
			return fmt.Errorf("YARA hunt %d did not ask host %d: %w", f.HuntID, f.HostID, store.ErrNotFound)
		}
		if err != nil {
			return s.wrap(err)
		}
		if state != fleet.YARAHuntAsked && state != fleet.YARAHuntRunning {
			return fmt.Errorf("YARA hunt %d on host %d is %s already: %w", f.HuntID, f.HostID, state, store.ErrConflict)
		}
		now := ms(f.Now)
		n, err := s.upsertHits(ctx, tx, f.Hits, "yara-hunt:"+strconv.FormatInt(f.HuntID, 10), now, true)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE yara_hunt_hosts SET state = ?, done_at = ?, error = ?, matches = ?, findings = ?,
			unrecorded = ?, scanned = ?, errors = ?, skipped = ?,
			picked_at = CASE WHEN picked_at = 0 THEN ? ELSE picked_at END WHERE hunt_id = ? AND host_id = ?`,
			f.State, now, f.Error, f.Matches, n, f.Unrecorded, f.Scanned, f.Errors, f.Skipped, now, f.HuntID, f.HostID)
		return err
	})
}

// CancelYARAHunt stops handing a hunt out; rows already done stay.
func (s *Store) CancelYARAHunt(ctx context.Context, id int64, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "UPDATE yara_hunts SET canceled = ? WHERE id = ? AND canceled = 0", ms(now), id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("YARA hunt %d (or not running): %w", id, store.ErrNotFound)
		}
		return nil
	})
}
