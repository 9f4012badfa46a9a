package store

import (
	"context"
	"errors"
	"time"
)

// UserSession is a browser signed in as a person through the company's
// identity provider (OpenID Connect), not with an API token.
type UserSession struct {
	// User names the person for the audit log: "oidc:<issuer-host>/<sub>".
	User  string
	Email string
	Name  string
	// Role is what the person's groups mapped to (admin or analyst).
	Role string
	// Groups are the provider's groups seen at sign-in, comma-separated
	// (what the role was derived from, kept for the record).
	Groups  string
	CSRF    string
	Created time.Time
	Expires time.Time
}

// LoginAttempt is an OpenID Connect sign-in in flight, kept by the hash
// of its state from the redirect to the provider until the provider sends
// the browser back, and spent once.
type LoginAttempt struct {
	// Binding is the hash of a cookie set in the browser that started the
	// sign-in: the callback must come from the same browser.
	Binding  []byte
	Nonce    string
	Verifier string
	Next     string
	Expires  time.Time
}

// MaxLoginAttempts bounds the sign-ins in flight across the fleet
// server: CreateLoginAttempt answers ErrTooManyLogins past it (each unexpired one
// is a row until it is spent).
const MaxLoginAttempts = 20000

// ErrTooManyLogins is CreateLoginAttempt past MaxLoginAttempts.
var ErrTooManyLogins = errors.New("too many sign-ins in flight")

// Users keeps people's browser sessions and sign-ins in flight.
type Users interface {
	// CreateLoginAttempt stores a sign-in in flight; ErrTooManyLogins when
	// MaxLoginAttempts unexpired ones are stored already.
	CreateLoginAttempt(ctx context.Context, stateHash []byte, a LoginAttempt) error
	// TakeLoginAttempt removes and returns a sign-in in flight: a state
	// that is unknown, already spent or expired is ErrNotFound.
	TakeLoginAttempt(ctx context.Context, stateHash []byte, now time.Time) (LoginAttempt, error)
	CreateUserSession(ctx context.Context, hash []byte, u UserSession) error
	// UserSession returns a live session; an unknown or expired one is
	// ErrNotFound.
	UserSession(ctx context.Context, hash []byte, now time.Time) (UserSession, error)
	DeleteUserSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions ends every session of a user and says how many.
	DeleteUserSessions(ctx context.Context, user string) (int, error)
}
