package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

const tokenCols = "id, name, role, host_id, host_roles, created, expires, last_used, revoked, uses_left, created_by"

func scanToken(sc interface{ Scan(...any) error }) (fleet.Token, error) {
	var t fleet.Token
	var roles string
	var created, expires, used int64
	var revoked int
	err := sc.Scan(&t.ID, &t.Name, &t.Role, &t.HostID, &roles, &created, &expires, &used, &revoked, &t.UsesLeft, &t.By)
	t.Created, t.Expires, t.LastUsed, t.Revoked = tm(created), tm(expires), tm(used), revoked == 1
	if roles != "" {
		t.HostRoles = strings.Split(roles, ",")
	}
	return t, err
}

// Bootstrap creates the first admin token, once per database. persist
// runs before the commit; its failure leaves no trace.
func (s *Store) Bootstrap(ctx context.Context, hash []byte, t fleet.Token, persist func() error) (bool, error) {
	created := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "INSERT INTO meta (key, value) VALUES ('bootstrap', ?) ON CONFLICT DO NOTHING", t.Created.UTC().Format(time.RFC3339))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		if _, err = s.insertToken(ctx, tx, hash, t); err != nil {
			return err
		}
		if persist != nil {
			if err := persist(); err != nil {
				return err
			}
		}
		created = true
		return nil
	})
	return created && err == nil, err
}

// ResetAdmin replaces the server-made admin tokens (those created by
// t.By) with t: the old ones are revoked and their sessions ended.
func (s *Store) ResetAdmin(ctx context.Context, hash []byte, t fleet.Token, audit fleet.AuditEntry, persist func() error) (fleet.Token, int, error) {
	revoked := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE token_id IN (SELECT id FROM tokens
			WHERE role = ? AND created_by = ? AND revoked = 0)`, fleet.TokenAdmin, t.By); err != nil {
			return err
		}
		r, err := s.exec(ctx, tx, "UPDATE tokens SET revoked = 1 WHERE role = ? AND created_by = ? AND revoked = 0", fleet.TokenAdmin, t.By)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		revoked = int(n)
		if t.ID, err = s.insertToken(ctx, tx, hash, t); err != nil {
			return err
		}
		audit.Detail = fmt.Sprintf("new admin token %d; %d earlier server-made admin token(s) revoked", t.ID, revoked)
		if _, err := s.exec(ctx, tx, "INSERT INTO audit (at, actor, role, action, target, detail, remote) VALUES (?, ?, ?, ?, ?, ?, ?)",
			ms(audit.At), audit.Actor, audit.Role, audit.Action, audit.Target, audit.Detail, audit.Remote); err != nil {
			return err
		}
		if persist != nil {
			return persist()
		}
		return nil
	})
	return t, revoked, err
}

// CreateToken stores a token by the hash of its secret.
func (s *Store) CreateToken(ctx context.Context, hash []byte, t fleet.Token) (fleet.Token, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		t.ID, err = s.insertToken(ctx, tx, hash, t)
		return err
	})
	return t, err
}

func (s *Store) insertToken(ctx context.Context, tx *sql.Tx, hash []byte, t fleet.Token) (int64, error) {
	var id int64
	err := s.row(ctx, tx, `INSERT INTO tokens (hash, name, role, host_id, host_roles, created, expires, uses_left, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, hash, t.Name, t.Role, t.HostID, strings.Join(t.HostRoles, ","),
		ms(t.Created), ms(t.Expires), t.UsesLeft, t.By).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store token: %w", s.wrap(err))
	}
	return id, nil
}

// TokenByHash finds a token by the hash of its secret.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (fleet.Token, error) {
	t, err := scanToken(s.row(ctx, s.db, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?", hash))
	if err != nil {
		return t, fmt.Errorf("token: %w", s.wrap(err))
	}
	return t, nil
}

// ListTokens lists every token (never their secrets).
func (s *Store) ListTokens(ctx context.Context) ([]fleet.Token, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+tokenCols+" FROM tokens ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.wrap(rows.Err())
}

// RevokeToken revokes a token and ends its browser sessions.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "UPDATE tokens SET revoked = 1 WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
		}
		_, err = s.exec(ctx, tx, "DELETE FROM sessions WHERE token_id = ?", id)
		return err
	})
}

// TouchToken records a token's last use.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "UPDATE tokens SET last_used = ? WHERE id = ?", ms(at), id)
		return err
	})
}

// Enroll exchanges one use of an enrollment token for a host's own agent
// token. A host id the server already has is enrolled again only with a
// token bound to that host; a shared token is refused (ErrHostEnrolled)
// and the refusal counted on the host, in a transaction of its own.
func (s *Store) Enroll(ctx context.Context, enrollHash []byte, h snapshot.Host, agentHash []byte, now time.Time) (fleet.Host, fleet.Token, error) {
	var agent fleet.Token
	var hostID int64
	refused := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		et, err := scanToken(s.row(ctx, tx, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?"+s.d.ForUpdate, enrollHash))
		if err == sql.ErrNoRows {
			return store.ErrInvalidToken
		}
		if err != nil {
			return s.wrap(err)
		}
		if et.Role != fleet.TokenEnroll || et.Revoked || et.UsesLeft == 0 || (!et.Expires.IsZero() && !now.Before(et.Expires)) {
			return store.ErrInvalidToken
		}
		if et.HostID != 0 {
			// Bound to one host: it re-enrolls that host and no other.
			if existing, err := s.hostIDByUID(ctx, tx, h.ID); err != nil || existing != et.HostID {
				return cmp.Or(err, store.ErrInvalidToken)
			}
			if hostID, err = s.ensureHost(ctx, tx, h, et.HostRoles, now); err != nil {
				return err
			}
		} else if hostID, err = s.newHost(ctx, tx, h, et.HostRoles, now); err != nil {
			return err
		} else if hostID == 0 {
			refused = true
			if hostID, err = s.hostIDByUID(ctx, tx, h.ID); err != nil {
				return err
			}
			_, err := s.exec(ctx, tx, "UPDATE hosts SET enroll_refused = enroll_refused + 1, enroll_refused_at = ? WHERE id = ?", ms(now), hostID)
			return err
		}
		if et.UsesLeft > 0 {
			if _, err := s.exec(ctx, tx, "UPDATE tokens SET uses_left = uses_left - 1, last_used = ? WHERE id = ?", ms(now), et.ID); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, "UPDATE tokens SET revoked = 1 WHERE host_id = ? AND role = ?", hostID, fleet.TokenAgent); err != nil {
			return err
		}
		agent = fleet.Token{Name: "agent:" + h.Name, Role: fleet.TokenAgent, HostID: hostID, Created: now, UsesLeft: -1, By: et.Name}
		agent.ID, err = s.insertToken(ctx, tx, agentHash, agent)
		return err
	})
	if err != nil {
		return fleet.Host{}, fleet.Token{}, err
	}
	host, err := s.Host(ctx, hostID)
	if err == nil && refused {
		err = fmt.Errorf("host %q: %w", h.ID, store.ErrHostEnrolled)
	}
	return host, agent, err
}

// hostIDByUID is the id of the host with uid, or 0.
func (s *Store) hostIDByUID(ctx context.Context, tx *sql.Tx, uid string) (int64, error) {
	var id int64
	err := s.row(ctx, tx, "SELECT id FROM hosts WHERE uid = ?", uid).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("host %q: %w", uid, s.wrap(err))
	}
	return id, nil
}

// CreateSession stores a browser session by the hash of its cookie.
func (s *Store) CreateSession(ctx context.Context, hash []byte, tokenID int64, csrf string, expires time.Time) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM sessions WHERE expires < ?", ms(time.Now())); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, "INSERT INTO sessions (hash, token_id, csrf, expires) VALUES (?, ?, ?, ?)", hash, tokenID, csrf, ms(expires))
		return err
	})
}

// Session returns a live session with its token.
func (s *Store) Session(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	var sess store.Session
	var expires int64
	var csrf string
	var tokenID int64
	if err := s.row(ctx, s.db, "SELECT token_id, csrf, expires FROM sessions WHERE hash = ?", hash).Scan(&tokenID, &csrf, &expires); err != nil {
		return sess, fmt.Errorf("session: %w", s.wrap(err))
	}
	if expires <= ms(now) {
		return sess, fmt.Errorf("session expired: %w", store.ErrNotFound)
	}
	t, err := scanToken(s.row(ctx, s.db, "SELECT "+tokenCols+" FROM tokens WHERE id = ?", tokenID))
	if err != nil {
		return sess, fmt.Errorf("session token: %w", s.wrap(err))
	}
	return store.Session{Token: t, CSRF: csrf, Expires: tm(expires)}, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "DELETE FROM sessions WHERE hash = ?", hash)
		return err
	})
}
