package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// The browser side of OpenID Connect sign-in: /oidc/login sends the
// browser to the provider, /oidc/callback takes it back, checks the
// answer and makes a session that names the person.

func (s *Server) oidcRoutes(mux *http.ServeMux) {
	mux.Handle("GET /oidc/login", s.ui(false, s.oidcLogin))
	mux.Handle("GET /oidc/callback", s.ui(false, s.oidcCallback))
}

// oidcName is the provider's name for the sign-in button ("" when off).
func (s *Server) oidcName() string {
	if s.oidc == nil {
		return ""
	}
	return s.oidc.cfg.Name
}

// oidcPage renders the sign-in page with a message about the provider.
func (s *Server) oidcPage(w http.ResponseWriter, status int, next, msg string) error {
	return s.render(w, status, "login", nil, map[string]any{"Title": "Sign in", "Next": next, "Error": msg, "OIDC": s.oidcName()})
}

func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request, _ *principal) error {
	next := safeNext(r.URL.Query().Get("next"))
	if s.oidc == nil {
		return errorf(http.StatusNotFound, "not_found", "sign-in with an identity provider is not configured")
	}
	if err := s.oidc.starts.take(clientKey(r), s.now()); err != nil {
		setRetryAfter(w, err)
		return s.oidcPage(w, http.StatusTooManyRequests, next, "Too many sign-ins started from this address; try again in a moment.")
	}
	m, err := s.oidc.metadata(r.Context())
	if err != nil {
		s.log.Warn("oidc: provider unavailable", "err", err)
		return s.oidcPage(w, http.StatusBadGateway, next, "The identity provider "+s.oidc.cfg.Name+" cannot be reached or answered nonsense ("+
			err.Error()+"). Try again later, or sign in with an access token.")
	}
	state, nonce, verifier, binding := randomString(), randomString(), randomString()+randomString(), randomString()
	a := store.LoginAttempt{Binding: hashSecret(binding), Nonce: nonce, Verifier: verifier, Next: next, Expires: s.now().Add(oidcAttemptTTL)}
	if err := s.st.CreateLoginAttempt(r.Context(), hashSecret(state), a); errors.Is(err, store.ErrTooManyLogins) {
		return s.oidcPage(w, http.StatusServiceUnavailable, next, "Too many sign-ins are in flight; try again in a few minutes, or sign in with an access token.")
	} else if err != nil {
		return err
	}
	// Lax, not Strict: the provider's redirect back is a cross-site
	// navigation, which must carry it.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: binding, Path: "/oidc/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(oidcAttemptTTL.Seconds())})
	http.Redirect(w, r, s.oidc.authURL(m, state, nonce, verifier), http.StatusSeeOther)
	return nil
}

// oidcRefusal is a sign-in that failed for a reason the person should
// read; it is audited and shown on the sign-in page.
func (s *Server) oidcRefuse(w http.ResponseWriter, r *http.Request, status int, actor, why string) error {
	e := fleet.AuditEntry{At: s.now(), Actor: actor, Action: "ui.login_refused", Target: "oidc " + s.oidc.host, Detail: why, Remote: r.RemoteAddr}
	if err := s.st.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.Error("audit log write failed", "action", e.Action, "err", err)
	}
	s.log.Info("oidc: sign-in refused", "actor", actor, "why", why)
	clearOIDCCookie(w, s.cfg.Secure)
	return s.oidcPage(w, status, "/", why)
}

func clearOIDCCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/oidc/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if s.oidc == nil {
		return errorf(http.StatusNotFound, "not_found", "sign-in with an identity provider is not configured")
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 200 {
		return s.oidcRefuse(w, r, http.StatusBadRequest, "unauthenticated", "The sign-in answer has no valid state. Start again from the sign-in page.")
	}
	// The state is spent now, whatever follows: a replayed or stolen
	// callback finds nothing.
	a, err := s.st.TakeLoginAttempt(r.Context(), hashSecret(state), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return s.oidcRefuse(w, r, http.StatusBadRequest, "unauthenticated", "This sign-in is unknown, expired or was already used. Start again from the sign-in page.")
	}
	if err != nil {
		return err
	}
	c, cerr := r.Cookie(oidcCookie)
	if cerr != nil || !constantEqual(string(hashSecret(c.Value)), string(a.Binding)) {
		return s.oidcRefuse(w, r, http.StatusBadRequest, "unauthenticated", "This sign-in was started in another browser. Start again from the sign-in page.")
	}
	if e := q.Get("error"); e != "" {
		return s.oidcRefuse(w, r, http.StatusForbidden, "unauthenticated", "The identity provider refused the sign-in: "+clipText(e+" "+q.Get("error_description"), 300))
	}
	code := q.Get("code")
	if code == "" || len(code) > 4096 {
		return s.oidcRefuse(w, r, http.StatusBadRequest, "unauthenticated", "The sign-in answer has no authorization code.")
	}
	m, err := s.oidc.metadata(r.Context())
	if err == nil {
		var raw string
		raw, err = s.oidc.exchange(r.Context(), m, code, a.Verifier)
		if err == nil {
			var claims *idClaims
			claims, err = s.oidc.verify(r.Context(), m, raw, a.Nonce)
			if err == nil {
				return s.oidcSignIn(w, r, claims, a.Next)
			}
		}
	}
	var pe *providerError
	var te *tokenError
	switch {
	case errors.As(err, &pe):
		s.log.Warn("oidc: provider unavailable", "err", err)
		return s.oidcRefuse(w, r, http.StatusBadGateway, "unauthenticated", "The identity provider "+s.oidc.cfg.Name+
			" cannot be reached or answered nonsense ("+clipText(err.Error(), 300)+"). Try again later, or sign in with an access token.")
	case errors.As(err, &te):
		return s.oidcRefuse(w, r, http.StatusForbidden, "unauthenticated", "The identity provider's answer was refused: "+clipText(te.Msg, 400)+".")
	case errors.Is(err, errMalformed):
		return s.oidcRefuse(w, r, http.StatusBadGateway, "unauthenticated", "The identity provider sent a malformed ID token: "+clipText(err.Error(), 300)+".")
	}
	return err
}

// oidcSignIn maps the verified person's groups to a role and makes
// their session.
func (s *Server) oidcSignIn(w http.ResponseWriter, r *http.Request, c *idClaims, next string) error {
	user := "oidc:" + s.oidc.host + "/" + c.Subject
	label := user
	if c.Email != "" {
		label += " (" + c.Email + ")"
	}
	groups, err := groupsFrom(c.Raw, s.oidc.cfg.GroupsClaim)
	if err != nil {
		return s.oidcRefuse(w, r, http.StatusForbidden, label, "The identity provider's answer was refused: "+err.Error()+".")
	}
	role := s.oidc.role(groups)
	if role == "" {
		shown := clipText(strings.Join(groups, ", "), 300)
		if shown == "" {
			shown = "none (no " + s.oidc.cfg.GroupsClaim + " claim in the ID token)"
		}
		return s.oidcRefuse(w, r, http.StatusForbidden, label, fmt.Sprintf(
			"You are signed in at %s as %s, but none of your groups gives a role in cascade. Your groups: %s. Groups with a role: %s. Ask an administrator to map one of your groups.",
			s.oidc.cfg.Name, displayName(c), shown, strings.Join(s.oidc.mappedGroups(), ", ")))
	}
	secret, hash := newSecret()
	u := store.UserSession{User: user, Email: c.Email, Name: c.Name, Role: role, Groups: clipText(strings.Join(groups, ","), 4000),
		CSRF: randomString(), Created: s.now(), Expires: s.now().Add(sessionTTL)}
	if err := s.st.CreateUserSession(r.Context(), hash, u); err != nil {
		return err
	}
	clearOIDCCookie(w, s.cfg.Secure)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds())})
	p := userPrincipal(u)
	s.audit(r, p, "ui.login", "session", "oidc; role "+role+" from groups "+clipText(strings.Join(groups, ", "), 500))
	// A page that moves on, not a redirect: the browser arrived here from
	// the provider (cross-site), and a Strict cookie is not sent on a
	// redirect that continues that navigation; a same-site refresh is.
	return s.render(w, http.StatusOK, "signedin", nil, map[string]any{"Title": "Signed in", "Next": next, "Refresh": next, "Who": displayName(c)})
}

func displayName(c *idClaims) string {
	switch {
	case c.Email != "":
		return c.Email
	case c.Name != "":
		return c.Name
	}
	return c.Subject
}

// userPrincipal is a person signed in through the identity provider.
func userPrincipal(u store.UserSession) *principal {
	name := u.Email
	if name == "" {
		name = u.Name
	}
	if name == "" {
		name = u.User
	}
	label := u.User
	if u.Email != "" {
		label += " (" + u.Email + ")"
	}
	return &principal{token: fleet.Token{Name: name, Role: u.Role}, csrf: u.CSRF, user: label}
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// userSession finds a person's session (the cookie is not a token's).
func (s *Server) userSession(r *http.Request, hash []byte) (*principal, error) {
	u, err := s.st.UserSession(r.Context(), hash, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if u.Role != fleet.TokenAdmin && u.Role != fleet.TokenAnalyst {
		return nil, errNoSession
	}
	return userPrincipal(u), nil
}

// endUserSessions ends every session of a person (DELETE
// /api/v1/users/sessions?user=oidc:HOST/SUB): their groups are read at
// sign-in only, so someone leaving is cut off here at once.
func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request, p *principal) error {
	user := r.URL.Query().Get("user")
	if !strings.HasPrefix(user, "oidc:") || !strings.Contains(user, "/") {
		return errorf(http.StatusBadRequest, "bad_request", "user must be oidc:<issuer-host>/<sub>, as the audit log names the person (without the email)")
	}
	n, err := s.st.DeleteUserSessions(r.Context(), user)
	if err != nil {
		return err
	}
	s.audit(r, p, "user.sessions_ended", user, fmt.Sprintf("%d session(s)", n))
	writeJSON(w, http.StatusOK, map[string]any{"user": user, "ended": n})
	return nil
}
