package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

//go:embed ui/templates/*.html ui/static/*
var uiFS embed.FS

// csp forbids every script, inline or not, and any framing.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const (
	sessionCookie = "cascade_session"
	sessionTTL    = 12 * time.Hour
)

// uiFunc handles a browser request; p is nil on public pages.
type uiFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// pages are the UI's templates, each parsed with the layout, on first use:
// the binary also runs scans, which should not pay for parsing them.
var pages = sync.OnceValue(parsePages)

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"date":  uiDate,
		"day":   func(t time.Time) string { return uiDay(t) },
		"join":  strings.Join,
		"state": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
		"dict":  dict,
		"vis":   visibleText,
		"shift": shiftDays,
		"ref":   refURL,
		"lines": func(s string) []string { return strings.Split(s, "\n") },
	}
	names, err := fs.Glob(uiFS, "ui/templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(n[len("ui/templates/"):], ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(uiFS, "ui/templates/layout.html", n))
	}
	return out
}

// dict builds a map for a sub-template from key, value pairs.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict needs key, value pairs")
	}
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func uiDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func uiDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// uiMux serves the browser UI.
func (s *Server) uiMux() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(uiFS, "ui/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.Handle("GET /login", s.ui(false, s.loginPage))
	mux.Handle("POST /login", s.ui(false, s.login))
	mux.Handle("POST /logout", s.ui(true, s.logout))
	mux.Handle("GET /{$}", s.ui(true, s.overviewPage))
	mux.Handle("GET /hosts", s.ui(true, s.hostsPage))
	mux.Handle("GET /hosts/{id}", s.ui(true, s.hostPage))
	mux.Handle("GET /incidents/{id}", s.ui(true, s.incidentPage))
	mux.Handle("GET /findings/{id}", s.ui(true, s.findingPage))
	mux.Handle("POST /findings/{id}/state", s.ui(true, s.triage))
	mux.Handle("GET /intel", s.ui(true, s.intelPage))
	mux.Handle("GET /trace", s.ui(true, s.tracePage))
	mux.Handle("GET /traces", s.ui(true, s.savedTracesPage))
	mux.Handle("POST /traces", s.ui(true, s.saveTraceForm))
	mux.Handle("GET /traces/{id}", s.ui(true, s.savedTracePage))
	mux.Handle("POST /traces/{id}/recompute", s.ui(true, s.recomputeForm))
	mux.Handle("GET /search", s.ui(true, s.searchPage))
	mux.Handle("POST /search/intel", s.ui(true, s.saveSearchForm))
	mux.Handle("GET /alerts", s.ui(true, s.alertsPage))
	mux.Handle("POST /alerts/deliveries/{id}/retry", s.ui(true, s.retryForm))
	s.oidcRoutes(mux)
	s.uiTriageRoutes(mux)
	mux.Handle("/", s.ui(false, func(http.ResponseWriter, *http.Request, *principal) error {
		return errorf(http.StatusNotFound, "not_found", "page not found")
	}))
	return mux
}

// ui wraps a page: the CSP, body limits, the session when needed, CSRF
// checks on every state-changing request, and error pages.
func (s *Server) ui(needSession bool, h uiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		var p *principal
		err := checkQuery(r)
		if err == nil && needSession {
			if p, err = s.session(r); err != nil {
				if errors.Is(err, errNoSession) {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
			}
		}
		if err == nil && r.Method == http.MethodPost {
			err = s.checkCSRF(r, p)
		}
		if err == nil && r.Method == http.MethodGet && needSession {
			var release func()
			w, release, err = s.reads.hold(w, r)
			defer release()
		}
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			s.errorPage(w, r, p, err)
		}
	})
}

var errNoSession = errors.New("no session")

// session finds the browser's session and the token behind it.
func (s *Server) session(r *http.Request) (*principal, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, errNoSession
	}
	sess, err := s.st.Session(r.Context(), hashSecret(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) && s.oidc != nil {
		return s.userSession(r, hashSecret(c.Value))
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	t := sess.Token
	if t.Revoked || (!t.Expires.IsZero() && !s.now().Before(t.Expires)) || (t.Role != fleet.TokenAdmin && t.Role != fleet.TokenAnalyst) {
		return nil, errNoSession
	}
	return &principal{token: t, csrf: sess.CSRF}, nil
}

// checkCSRF refuses cross-site posts: the form must carry the session's
// token, and the browser's Origin and Sec-Fetch-Site must say same-origin.
func (s *Server) checkCSRF(r *http.Request, p *principal) error {
	forbidden := errorf(http.StatusForbidden, "csrf", "cross-site request refused; reload the page and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return forbidden
		}
	} else if o == "null" {
		return forbidden
	}
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" && sfs != "none" {
		return forbidden
	}
	if p == nil {
		return nil // the login form: no session yet
	}
	if !constantEqual(r.PostFormValue("csrf"), p.csrf) {
		return forbidden
	}
	return nil
}

// render writes a page; templates render into a buffer first so an error
// never leaves half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, p *principal, data map[string]any) error {
	t := pages()[page]
	if t == nil {
		return errors.New("no template " + page)
	}
	if data == nil {
		data = map[string]any{}
	}
	if p != nil {
		data["Me"] = p.token
		data["CSRF"] = p.csrf
		data["Admin"] = p.token.Role == fleet.TokenAdmin
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, p *principal, err error) {
	he := requestError(r, err)
	s.logError(r, he)
	s.storage.note(err, s.now())
	if rerr := s.render(w, he.Status, "error", p, map[string]any{"Title": "Error", "Status": he.Status, "Message": he.Msg}); rerr != nil {
		http.Error(w, he.Msg, he.Status)
	}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, _ *principal) error {
	return s.render(w, http.StatusOK, "login", nil, map[string]any{"Title": "Sign in", "Next": safeNext(r.URL.Query().Get("next")), "OIDC": s.oidcName()})
}

// login exchanges an admin or analyst token for a session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *principal) error {
	next := safeNext(r.PostFormValue("next"))
	t, err := s.checkedToken(r, strings.TrimSpace(r.PostFormValue("token")))
	if err == nil && t.Role != fleet.TokenAdmin && t.Role != fleet.TokenAnalyst {
		err = errorf(http.StatusForbidden, "forbidden", "only admin and analyst tokens can sign in")
	}
	if err != nil {
		he := toHTTP(err)
		if he.Status >= 500 {
			return err
		}
		s.logError(r, he)
		setRetryAfter(w, err)
		return s.render(w, he.Status, "login", nil, map[string]any{"Title": "Sign in", "Next": next, "Error": he.Msg, "OIDC": s.oidcName()})
	}
	secret, hash := newSecret()
	csrf := randomString()
	if err := s.st.CreateSession(r.Context(), hash, t.ID, csrf, s.now().Add(sessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds())})
	s.audit(r, &principal{token: t}, "ui.login", "session", "")
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.st.DeleteSession(context.WithoutCancel(r.Context()), hashSecret(c.Value))
		if p.user != "" {
			s.st.DeleteUserSession(context.WithoutCancel(r.Context()), hashSecret(c.Value))
			s.audit(r, p, "ui.logout", "session", "")
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps redirects on this site: only a path that starts with
// one "/" followed by something other than "/" or a backslash, with no
// control character, space or backslash anywhere (browsers drop tabs and
// newlines and read a backslash as "/", so "/<TAB>/evil" and "/<BACKSLASH>evil"
// leave the site), and the same after percent-decoding, for a proxy that
// decodes (where an encoded space is fine). Anything else goes to the
// overview.
func safeNext(next string) string {
	if !sameSitePath(next, false) {
		return "/"
	}
	if dec, err := url.PathUnescape(next); err != nil || !sameSitePath(dec, true) {
		return "/"
	}
	return next
}

func sameSitePath(p string, space bool) bool {
	if len(p) < 1 || p[0] != '/' || (len(p) > 1 && (p[1] == '/' || p[1] == '\\')) {
		return false
	}
	for _, c := range p {
		if (c < ' ' || (c == ' ' && !space)) || c == 0x7f || c == '\\' || unicode.IsControl(c) {
			return false
		}
	}
	return true
}

func randomString() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
