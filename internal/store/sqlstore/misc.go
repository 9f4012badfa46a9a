package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Audit records one action.
func (s *Store) Audit(ctx context.Context, e fleet.AuditEntry) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "INSERT INTO audit (at, actor, role, action, target, detail, remote) VALUES (?, ?, ?, ?, ?, ?, ?)",
			ms(e.At), e.Actor, e.Role, e.Action, e.Target, e.Detail, e.Remote)
		return err
	})
}

// AuditLog lists recorded actions, newest first, before an id (0: latest).
func (s *Store) AuditLog(ctx context.Context, limit int, beforeID int64) ([]fleet.AuditEntry, error) {
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	rows, err := s.query(ctx, s.db, `SELECT id, at, actor, role, action, target, detail, remote FROM audit
		WHERE id < ? ORDER BY id DESC LIMIT `+strconv.Itoa(clampLimit(limit, 100, 10000)), beforeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.AuditEntry
	for rows.Next() {
		var e fleet.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Action, &e.Target, &e.Detail, &e.Remote); err != nil {
			return nil, err
		}
		e.At = tm(at)
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

const feedCols = "id, kind, url, collection, secret, policy, interval_ms, created, last_fetch, last_ok, last_error, failures, etag, modified, cursor, sighted, next_at"

// feedLabel names a feed in errors: its URL, and its collection.
func feedLabel(f fleet.Feed) string {
	if f.Collection != "" {
		return f.URL + " collection " + f.Collection
	}
	return f.URL
}

func (s *Store) scanFeed(sc interface{ Scan(...any) error }) (fleet.Feed, error) {
	var f fleet.Feed
	var interval, created, fetch, ok, next int64
	var secret, policy string
	err := sc.Scan(&f.ID, &f.Kind, &f.URL, &f.Collection, &secret, &policy, &interval, &created, &fetch, &ok, &f.LastError,
		&f.Failures, &f.ETag, &f.Modified, &f.Cursor, &f.Sighted, &next)
	if err != nil {
		return f, err
	}
	f.Interval = fleet.Duration(time.Duration(interval) * time.Millisecond)
	f.Created, f.LastFetch, f.LastOK, f.NextAt = tm(created), tm(fetch), tm(ok), tm(next)
	if f.Secret, err = s.openFeedSecret(f.ID, secret); err != nil {
		// The feed is still listed, and its polls fail with this error
		// until the right key is given: never a crash, never polled
		// without its credential.
		f.CredentialError = fmt.Sprintf("feed %d (%s): %v", f.ID, feedLabel(f), err)
		f.Auth = "unreadable"
		err = nil
	} else {
		f.Auth = f.Secret.Kind()
	}
	if policy != "" {
		if err := json.Unmarshal([]byte(policy), &f.Policy); err != nil {
			return f, fmt.Errorf("feed %d: policy: %w", f.ID, err)
		}
	}
	return f, nil
}

// feedJSON encodes a credential or policy column ("" when empty).
func feedJSON[T comparable](v T) string {
	var zero T
	if v == zero {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// AddFeed stores a feed; it is due at once.
func (s *Store) AddFeed(ctx context.Context, f fleet.Feed) (fleet.Feed, error) {
	if f.Kind == "" {
		f.Kind = fleet.FeedURL
	}
	if f.Secret != (fleet.FeedSecret{}) && s.feedAEAD.Load() == nil {
		return f, fmt.Errorf("feed %s: %w", f.URL, store.ErrNoFeedKey)
	}
	// The credential is sealed with the feed's id, known once inserted.
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `INSERT INTO feeds (kind, url, collection, secret, policy, interval_ms, created, next_at) VALUES (?, ?, ?, '', ?, ?, ?, ?)
			ON CONFLICT (url, collection) DO NOTHING RETURNING id`, f.Kind, f.URL, f.Collection, feedJSON(f.Policy),
			time.Duration(f.Interval).Milliseconds(), ms(f.Created), ms(f.Created)).Scan(&f.ID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("feed %s %s: %w", f.URL, f.Collection, store.ErrExists)
		}
		if err != nil {
			return err
		}
		sealed, err := s.sealFeedSecret(f.ID, f.Secret)
		if err != nil || sealed == "" {
			return err
		}
		_, err = s.exec(ctx, tx, "UPDATE feeds SET secret = ? WHERE id = ?", sealed, f.ID)
		return err
	})
	f.Auth = f.Secret.Kind()
	return f, err
}

// ListFeeds lists the feeds.
func (s *Store) ListFeeds(ctx context.Context) ([]fleet.Feed, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+feedCols+" FROM feeds ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Feed
	for rows.Next() {
		f, err := s.scanFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, s.wrap(rows.Err())
}

// DeleteFeed removes a feed (its intel document stays until removed).
func (s *Store) DeleteFeed(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM feeds WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("feed %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// ClaimFeed leases one due feed.
func (s *Store) ClaimFeed(ctx context.Context, owner string, now time.Time, lease time.Duration) (*fleet.Feed, error) {
	var claimed *fleet.Feed
	err := s.writeBackground(ctx, func(tx *sql.Tx) error {
		lock := s.d.ForUpdate
		if lock != "" {
			lock += " SKIP LOCKED"
		}
		f, err := s.scanFeed(s.row(ctx, tx, "SELECT "+feedCols+" FROM feeds WHERE next_at <= ? AND lease_until < ? ORDER BY next_at LIMIT 1"+lock, ms(now), ms(now)))
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return s.wrap(err)
		}
		claimed = &f
		_, err = s.exec(ctx, tx, "UPDATE feeds SET owner = ?, lease_until = ? WHERE id = ?", owner, ms(now.Add(lease)), f.ID)
		return err
	})
	return claimed, err
}

// FeedPolled records a poll and releases the lease.
func (s *Store) FeedPolled(ctx context.Context, id int64, r store.FeedResult) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		q := "UPDATE feeds SET last_fetch = ?, last_error = ?, next_at = ?, owner = '', lease_until = 0"
		args := []any{ms(r.At), r.Err, ms(r.NextAt)}
		if r.OK {
			q += ", last_ok = ?, etag = ?, modified = ?, failures = 0"
			args = append(args, ms(r.At), r.ETag, r.Modified)
		} else {
			q += ", failures = failures + 1"
		}
		if r.Cursor != "" {
			q += ", cursor = ?"
			args = append(args, r.Cursor)
		}
		if r.Sighted != "" {
			q += ", sighted = ?"
			args = append(args, r.Sighted)
		}
		_, err := s.exec(ctx, tx, q+" WHERE id = ?", append(args, id)...)
		return err
	})
}

// AddRelease stores a release with its digest.
func (s *Store) AddRelease(ctx context.Context, r fleet.Release) (fleet.Release, error) {
	d, err := hex.DecodeString(r.SHA256)
	if err != nil || len(d) != 32 {
		return r, fmt.Errorf("release sha256 %q is not a SHA-256 digest", r.SHA256)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		return s.row(ctx, tx, `INSERT INTO releases (product, version, sha256, build_host_id, released_at, notes, created)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Product, r.Version, d, r.BuildHostID, ms(r.ReleasedAt), r.Notes,
			ms(time.Now())).Scan(&r.ID)
	})
	return r, err
}

// Releases lists releases, all or those with a digest.
func (s *Store) Releases(ctx context.Context, sha256 string) ([]fleet.Release, error) {
	q, args := "SELECT id, product, version, sha256, build_host_id, released_at, notes FROM releases", []any{}
	if sha256 != "" {
		d, err := hex.DecodeString(strings.ToLower(sha256))
		if err != nil {
			return nil, fmt.Errorf("release sha256 %q: %w", sha256, err)
		}
		q, args = q+" WHERE sha256 = ?", append(args, d)
	}
	rows, err := s.query(ctx, s.db, q+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Release
	for rows.Next() {
		var r fleet.Release
		var d []byte
		var at int64
		if err := rows.Scan(&r.ID, &r.Product, &r.Version, &d, &r.BuildHostID, &at, &r.Notes); err != nil {
			return nil, err
		}
		r.SHA256, r.ReleasedAt = hex.EncodeToString(d), tm(at)
		out = append(out, r)
	}
	return out, s.wrap(rows.Err())
}

var _ store.Store = (*Store)(nil)
