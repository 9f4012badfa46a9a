package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// tokenPrefix starts every secret, so a leaked one is recognisable.
const tokenPrefix = "cascade_"

// newSecret returns a high-entropy token and the hash stored for it.
func newSecret() (secret string, hash []byte) {
	var b [32]byte
	rand.Read(b[:])
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashSecret(secret)
}

// hashSecret is what the store keeps: SHA-256 of a 256-bit random token
// needs no salt or stretching.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// principal is an authenticated caller.
type principal struct {
	token fleet.Token
	// csrf is set for browser sessions.
	csrf string
	// user names a person signed in through the identity provider
	// ("oidc:<issuer-host>/<sub> (<email>)"); their token is not stored.
	user string
}

func (p *principal) actor() string {
	if p.user != "" {
		return p.user
	}
	return p.token.Name + " (token " + strconv.FormatInt(p.token.ID, 10) + ")"
}

// Role sets allowed on endpoints.
var (
	rolesRead   = []string{fleet.TokenAdmin, fleet.TokenAnalyst}
	rolesAdmin  = []string{fleet.TokenAdmin}
	rolesAgent  = []string{fleet.TokenAgent}
	rolesEnroll = []string{fleet.TokenEnroll}
)

var errNoToken = &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "a bearer token is required"}

// authBearer authenticates the Authorization: Bearer header.
func (s *Server) authBearer(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return nil, errNoToken
	}
	t, err := s.checkedToken(r, strings.TrimSpace(secret))
	if err != nil {
		return nil, err
	}
	return &principal{token: t}, nil
}

// checkedToken is tokenFor behind the per-address limit on failures:
// an address that failed too often is refused before the look-up, and
// failures are audited in aggregate.
func (s *Server) checkedToken(r *http.Request, secret string) (fleet.Token, error) {
	key := clientKey(r)
	if err := s.limiter.check(key, s.now()); err != nil {
		return fleet.Token{}, err
	}
	t, err := s.tokenFor(r.Context(), secret)
	if err != nil && toHTTP(err).Status == http.StatusUnauthorized {
		s.authFailed(r, key)
	}
	return t, err
}

// authFailed counts a failed token against the caller's address and
// writes the audit records the limiter allows.
func (s *Server) authFailed(r *http.Request, key string) {
	record, n, blocked := s.limiter.fail(key, s.now())
	if !record {
		return
	}
	action, detail := "auth.failed", fmt.Sprintf("%d failed token(s) from %s", n, key)
	if blocked {
		action = "auth.blocked"
		detail += fmt.Sprintf("; refused for a while (%d failures, then one per %s)", failBurst, failRefill)
	}
	e := fleet.AuditEntry{At: s.now(), Actor: "unauthenticated", Action: action, Target: r.Method + " " + r.URL.Path, Detail: detail, Remote: r.RemoteAddr}
	if err := s.st.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.Error("audit log write failed", "action", action, "err", err)
	}
}

// tokenFor checks a secret: known, not revoked, not expired.
func (s *Server) tokenFor(ctx context.Context, secret string) (fleet.Token, error) {
	bad := &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Msg: "token unknown, expired or revoked"}
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return fleet.Token{}, bad
	}
	t, err := s.lookupToken(ctx, hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return t, bad
	}
	if err != nil {
		return t, err
	}
	if t.Revoked || (!t.Expires.IsZero() && !s.now().Before(t.Expires)) {
		return t, bad
	}
	s.touchToken(ctx, t.ID)
	return t, nil
}

// tokenCacheTTL bounds how long a replica trusts a token it looked up: a
// revocation made through another replica takes effect within it (at
// once on the replica that made it).
const tokenCacheTTL = 5 * time.Second

type cachedToken struct {
	t  fleet.Token
	at time.Time
}

// lookupToken finds a token by hash, from the cache when fresh.
func (s *Server) lookupToken(ctx context.Context, hash []byte) (fleet.Token, error) {
	if v, ok := s.tokens.Load(string(hash)); ok && time.Since(v.(cachedToken).at) < tokenCacheTTL {
		return v.(cachedToken).t, nil
	}
	t, err := s.st.TokenByHash(ctx, hash)
	if err == nil {
		s.tokens.Store(string(hash), cachedToken{t, time.Now()})
	}
	return t, err
}

// forgetTokens drops cached tokens that match, after a revocation.
func (s *Server) forgetTokens(match func(fleet.Token) bool) {
	s.tokens.Range(func(k, v any) bool {
		if match(v.(cachedToken).t) {
			s.tokens.Delete(k)
		}
		return true
	})
}

// touchToken records a token's use, at most every five minutes.
func (s *Server) touchToken(ctx context.Context, id int64) {
	now := s.now()
	if v, ok := s.touch.Load(id); ok && now.Sub(v.(time.Time)) < 5*time.Minute {
		return
	}
	s.touch.Store(id, now)
	s.st.TouchToken(ctx, id, now)
}

func allow(p *principal, roles []string) error {
	if !slices.Contains(roles, p.token.Role) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Msg: "this token's role (" + p.token.Role + ") may not do this"}
	}
	return nil
}

func constantEqual(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// audit records an action; failures are logged, not fatal.
func (s *Server) audit(r *http.Request, p *principal, action, target, detail string) {
	e := fleet.AuditEntry{At: s.now(), Actor: p.actor(), Role: p.token.Role, Action: action, Target: target,
		Detail: detail, Remote: r.RemoteAddr}
	if err := s.st.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.Error("audit log write failed", "action", action, "err", err)
	}
}

// bootstrapBy marks the admin tokens the server makes itself: the first
// one, and those --reset-admin-token makes.
const bootstrapBy = "cascade serve"

// Bootstrap creates the first admin token when the store never had one,
// and returns its secret ("" when one was made before). The caller keeps
// the secret; BootstrapFile writes it before the token is committed.
func (s *Server) Bootstrap(ctx context.Context) (string, error) {
	secret, hash := newSecret()
	ok, err := s.st.Bootstrap(ctx, hash, s.bootstrapToken(), nil)
	if err != nil || !ok {
		return "", err
	}
	return secret, nil
}

// BootstrapFile creates the first admin token when the store never had
// one, writing its secret to path (0600, atomically: a temporary file
// synced and renamed) before the token is committed. If the file cannot
// be written nothing is stored, and the next start tries again: the
// token never exists without its secret. It reports whether it made one.
func (s *Server) BootstrapFile(ctx context.Context, path string) (bool, error) {
	secret, hash := newSecret()
	ok, err := s.st.Bootstrap(ctx, hash, s.bootstrapToken(), func() error {
		if err := writeFileAtomic(path, []byte(secret+"\n"), 0o600); err != nil {
			return fmt.Errorf("write the first admin token to %s: %w", path, err)
		}
		return nil
	})
	return ok, err
}

// ResetAdminToken is the recovery of a lost first admin token, run
// locally on the database (cascade serve --reset-admin-token, no HTTP): it
// revokes the admin tokens the server made, makes a new one whose secret
// it writes to path before committing, and audits it. It returns the new
// token and how many were revoked.
func (s *Server) ResetAdminToken(ctx context.Context, path string) (fleet.Token, int, error) {
	secret, hash := newSecret()
	host, _ := os.Hostname()
	entry := fleet.AuditEntry{At: s.now(), Actor: "cascade serve --reset-admin-token", Role: fleet.TokenAdmin,
		Action: "admin.token_reset", Target: path, Remote: "local (" + host + ")"}
	return s.st.ResetAdmin(ctx, hash, s.bootstrapToken(), entry, func() error {
		if err := writeFileAtomic(path, []byte(secret+"\n"), 0o600); err != nil {
			return fmt.Errorf("write the new admin token to %s: %w", path, err)
		}
		return nil
	})
}

func (s *Server) bootstrapToken() fleet.Token {
	return fleet.Token{Name: "bootstrap-admin", Role: fleet.TokenAdmin, Created: s.now(), UsesLeft: -1, By: bootstrapBy}
}
