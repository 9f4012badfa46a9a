package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

// CreateLoginAttempt stores a sign-in in flight, dropping expired ones.
func (s *Store) CreateLoginAttempt(ctx context.Context, stateHash []byte, a store.LoginAttempt) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM oidc_logins WHERE expires < ?", ms(time.Now())); err != nil {
			return fmt.Errorf("expire sign-ins: %w", err)
		}
		var n int
		if err := s.row(ctx, tx, "SELECT COUNT(*) FROM oidc_logins").Scan(&n); err != nil {
			return fmt.Errorf("count sign-ins: %w", err)
		}
		if n >= store.MaxLoginAttempts {
			return fmt.Errorf("%d sign-ins in flight: %w", n, store.ErrTooManyLogins)
		}
		_, err := s.exec(ctx, tx, "INSERT INTO oidc_logins (state_hash, binding, nonce, verifier, next, expires) VALUES (?, ?, ?, ?, ?, ?)",
			stateHash, a.Binding, a.Nonce, a.Verifier, a.Next, ms(a.Expires))
		if err != nil {
			return fmt.Errorf("store sign-in: %w", err)
		}
		return nil
	})
}

// TakeLoginAttempt deletes the attempt and returns it: of two callbacks
// with one state, only one gets it.
func (s *Store) TakeLoginAttempt(ctx context.Context, stateHash []byte, now time.Time) (store.LoginAttempt, error) {
	var a store.LoginAttempt
	var expires int64
	err := s.writeBackground(ctx, func(tx *sql.Tx) error {
		return s.row(ctx, tx, "DELETE FROM oidc_logins WHERE state_hash = ? RETURNING binding, nonce, verifier, next, expires", stateHash).
			Scan(&a.Binding, &a.Nonce, &a.Verifier, &a.Next, &expires)
	})
	if err != nil {
		return a, fmt.Errorf("sign-in state: %w", s.wrap(err))
	}
	a.Expires = tm(expires)
	if expires <= ms(now) {
		return a, fmt.Errorf("sign-in state expired: %w", store.ErrNotFound)
	}
	return a, nil
}

// CreateUserSession stores a person's browser session by the hash of its
// cookie, dropping expired ones.
func (s *Store) CreateUserSession(ctx context.Context, hash []byte, u store.UserSession) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM user_sessions WHERE expires < ?", ms(time.Now())); err != nil {
			return fmt.Errorf("expire user sessions: %w", err)
		}
		_, err := s.exec(ctx, tx, `INSERT INTO user_sessions (hash, user_id, email, name, role, groups_seen, csrf, created, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, hash, u.User, u.Email, u.Name, u.Role, u.Groups, u.CSRF, ms(u.Created), ms(u.Expires))
		if err != nil {
			return fmt.Errorf("store user session: %w", err)
		}
		return nil
	})
}

// UserSession returns a live session.
func (s *Store) UserSession(ctx context.Context, hash []byte, now time.Time) (store.UserSession, error) {
	var u store.UserSession
	var created, expires int64
	err := s.row(ctx, s.db, "SELECT user_id, email, name, role, groups_seen, csrf, created, expires FROM user_sessions WHERE hash = ?", hash).
		Scan(&u.User, &u.Email, &u.Name, &u.Role, &u.Groups, &u.CSRF, &created, &expires)
	if err != nil {
		return u, fmt.Errorf("user session: %w", s.wrap(err))
	}
	if expires <= ms(now) {
		return u, fmt.Errorf("user session expired: %w", store.ErrNotFound)
	}
	u.Created, u.Expires = tm(created), tm(expires)
	return u, nil
}

// DeleteUserSession ends a session.
func (s *Store) DeleteUserSession(ctx context.Context, hash []byte) error {
	return s.writeBackground(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "DELETE FROM user_sessions WHERE hash = ?", hash)
		return err
	})
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, user string) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM user_sessions WHERE user_id = ?", user)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return int(n), err
}
