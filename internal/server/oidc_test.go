package server

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// oidcFixture is cascade's server (TLS, on loopback) configured to sign
// people in through a real OpenID provider on loopback.
type oidcFixture struct {
	s    *Server
	st   store.Store
	ts   *httptest.Server
	idp  *testIdP
	skew atomic.Int64 // added to the server's clock, in nanoseconds
}

func newOIDCFixture(t *testing.T, st store.Store, tweak func(*OIDCConfig)) *oidcFixture {
	t.Helper()
	f := &oidcFixture{st: st}
	var h http.Handler
	f.ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(f.ts.Close)
	f.idp = newTestIdP(t, f.ts.URL+"/oidc/callback")
	cfg := &OIDCConfig{Issuer: f.idp.URL, ClientID: "cascade", ClientSecret: "s3cret", GroupsClaim: "groups",
		Roles:  map[string]string{"soc-analysts": fleet.TokenAnalyst, "cascade-admins": fleet.TokenAdmin},
		Scopes: []string{"openid", "email", "profile"}, Timeout: 2 * time.Second}
	if tweak != nil {
		tweak(cfg)
	}
	s, err := New(Config{Store: st, Secure: true, PublicURL: f.ts.URL, OIDC: cfg,
		Now: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	h = s.Handler()
	return f
}

func (f *oidcFixture) browser() *http.Client { return noFollow(f.ts.Client()) }

// begin starts a sign-in as user in browser c and returns the callback
// URL the provider sends the browser back to; tamper may change the
// authorization request on its way to the provider.
func (f *oidcFixture) begin(t *testing.T, c *http.Client, user string, tamper func(url.Values)) string {
	t.Helper()
	loc := step(t, c, "GET", f.ts.URL+"/oidc/login?next=/hosts", nil, http.StatusSeeOther)
	if !strings.HasPrefix(loc, f.idp.URL+"/authorize?") {
		t.Fatalf("sign-in went to %s, not the provider", loc)
	}
	q := mustURL(t, loc).Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("authorization request lacks PKCE, state or nonce: %s", loc)
	}
	if tamper != nil {
		u := mustURL(t, loc)
		tamper(q)
		u.RawQuery = q.Encode()
		loc = u.String()
	}
	loc = step(t, c, "GET", loc, nil, http.StatusFound)
	loc = f.idp.login(t, c, loc, user)
	loc = step(t, c, "GET", loc, nil, http.StatusFound)
	if !strings.HasPrefix(loc, f.ts.URL+"/oidc/callback?") {
		t.Fatalf("the provider sent the browser to %s", loc)
	}
	return loc
}

// get fetches u in browser c and returns the status and body.
func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (f *oidcFixture) signIn(t *testing.T, user string) *http.Client {
	t.Helper()
	c := f.browser()
	code, body, _ := fetch(t, c, "GET", f.begin(t, c, user, nil), nil)
	if code != http.StatusOK || !strings.Contains(body, "Signed in as") {
		t.Fatalf("sign-in as %s: HTTP %d: %s", user, code, clipText(body, 800))
	}
	return c
}

func auditHas(t *testing.T, st store.Store, action, actor string) fleet.AuditEntry {
	t.Helper()
	es, err := st.AuditLog(bg, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == action && e.Actor == actor {
			return e
		}
	}
	t.Fatalf("no audit entry %s by %q in %+v", action, actor, es)
	return fleet.AuditEntry{}
}

// TestOIDCSignIn: people sign in through the provider, their groups give
// their role, the audit log names them, sign-out ends the session, a
// state is spent once, and API tokens keep working; on both engines.
func TestOIDCSignIn(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		f := newOIDCFixture(t, open(), nil)
		host := mustURL(t, f.idp.URL).Host

		// The login page offers the provider.
		_, body, _ := fetch(t, f.browser(), "GET", f.ts.URL+"/login", nil)
		if !strings.Contains(body, `id="oidc-signin"`) || !strings.Contains(body, "Sign in with 127.0.0.1") {
			t.Fatalf("login page has no provider button: %s", body)
		}

		// An analyst.
		c := f.browser()
		cb := f.begin(t, c, "ana", nil)
		code, body, hdr := fetch(t, c, "GET", cb, nil)
		if code != http.StatusOK || !strings.Contains(body, "Signed in as ana@example.com") || !strings.Contains(body, `content="0; url=/hosts"`) {
			t.Fatalf("callback: HTTP %d: %s", code, body)
		}
		if sc := hdr.Values("Set-Cookie"); !strings.Contains(strings.Join(sc, "\n"), sessionCookie+"=") {
			t.Fatalf("no session cookie: %q", sc)
		}
		code, body, _ = fetch(t, c, "GET", f.ts.URL+"/hosts", nil)
		if code != http.StatusOK || !strings.Contains(body, "ana@example.com (analyst)") {
			t.Fatalf("hosts as ana: HTTP %d: %s", code, clipText(body, 800))
		}
		if code, _, _ := fetch(t, c, "GET", f.ts.URL+"/alerts", nil); code != http.StatusForbidden {
			t.Fatalf("alerts as an analyst: HTTP %d, want 403", code)
		}
		e := auditHas(t, f.st, "ui.login", "oidc:"+host+"/id-ana (ana@example.com)")
		if e.Role != fleet.TokenAnalyst || !strings.Contains(e.Detail, "soc-analysts") {
			t.Fatalf("login audit = %+v", e)
		}

		// The same callback again: the state is spent.
		code, body, _ = fetch(t, c, "GET", cb, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, "already used") {
			t.Fatalf("replayed state: HTTP %d: %s", code, clipText(body, 800))
		}

		// Sign-out ends the session and is audited.
		_, body, _ = fetch(t, c, "GET", f.ts.URL+"/hosts", nil)
		csrf := between(body, `name="csrf" value="`, `"`)
		if code, _, _ := fetch(t, c, "POST", f.ts.URL+"/logout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
			t.Fatalf("logout: HTTP %d", code)
		}
		if code, _, hdr := fetch(t, c, "GET", f.ts.URL+"/hosts", nil); code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Fatalf("after sign-out: HTTP %d to %s", code, hdr.Get("Location"))
		}
		auditHas(t, f.st, "ui.logout", "oidc:"+host+"/id-ana (ana@example.com)")

		// An admin: the strongest mapped group wins.
		c = f.signIn(t, "root")
		if code, body, _ := fetch(t, c, "GET", f.ts.URL+"/alerts", nil); code != http.StatusOK || !strings.Contains(body, "root@example.com (admin)") {
			t.Fatalf("alerts as root: HTTP %d: %s", code, clipText(body, 800))
		}

		// Someone in no mapped group is refused, with the reason.
		c = f.browser()
		code, body, hdr = fetch(t, c, "GET", f.begin(t, c, "eve", nil), nil)
		if code != http.StatusForbidden || !strings.Contains(body, "none of your groups gives a role") || !strings.Contains(body, "marketing") ||
			!strings.Contains(body, "cascade-admins, soc-analysts") {
			t.Fatalf("eve: HTTP %d: %s", code, body)
		}
		if strings.Contains(strings.Join(hdr.Values("Set-Cookie"), "\n"), sessionCookie+"=") {
			t.Fatal("a refused person got a session cookie")
		}
		auditHas(t, f.st, "ui.login_refused", "oidc:"+host+"/id-eve (eve@example.com)")

		// A callback in another browser than the one that started it.
		c = f.browser()
		cb = f.begin(t, c, "ana", nil)
		code, body, _ = fetch(t, f.browser(), "GET", cb, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, "another browser") {
			t.Fatalf("callback in another browser: HTTP %d: %s", code, clipText(body, 800))
		}

		// API tokens for machines keep working beside it.
		robot, err := f.s.CreateToken(bg, fleet.TokenRequest{Name: "robot", Role: fleet.TokenAnalyst}, "test")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", f.ts.URL+"/api/v1/hosts", nil)
		req.Header.Set("Authorization", "Bearer "+robot.Secret)
		resp, err := f.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("API with a token beside OIDC: HTTP %d", resp.StatusCode)
		}

		// An admin ends a person's sessions (offboarding); only theirs.
		anaA, anaB := f.signIn(t, "ana"), f.signIn(t, "ana")
		rootC := f.signIn(t, "root")
		admin, err := f.s.CreateToken(bg, fleet.TokenRequest{Name: "boss", Role: fleet.TokenAdmin}, "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			tok, user string
			code      int
		}{{robot.Secret, "oidc:" + host + "/id-ana", http.StatusForbidden}, {admin.Secret, "ana", http.StatusBadRequest}, {admin.Secret, "oidc:" + host + "/id-ana", http.StatusOK}} {
			req, _ := http.NewRequest("DELETE", f.ts.URL+"/api/v1/users/sessions?user="+url.QueryEscape(tc.user), nil)
			req.Header.Set("Authorization", "Bearer "+tc.tok)
			resp, err := f.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("end sessions of %s: HTTP %d, want %d: %s", tc.user, resp.StatusCode, tc.code, b)
			}
			if tc.code == http.StatusOK && !strings.Contains(string(b), `"ended":2`) {
				t.Fatalf("end sessions: %s", b)
			}
		}
		for _, c := range []*http.Client{anaA, anaB} {
			if code, _, _ := fetch(t, c, "GET", f.ts.URL+"/hosts", nil); code != http.StatusSeeOther {
				t.Fatalf("ana's session outlived its end: HTTP %d", code)
			}
		}
		if code, _, _ := fetch(t, rootC, "GET", f.ts.URL+"/hosts", nil); code != http.StatusOK {
			t.Fatalf("root's session ended with ana's: HTTP %d", code)
		}
		auditHas(t, f.st, "user.sessions_ended", "boss (token "+strconv.FormatInt(admin.Token.ID, 10)+")")
	})
}

// refusedWith follows a callback and wants a refusal page saying want.
func refusedWith(t *testing.T, c *http.Client, cb string, status int, want string) {
	t.Helper()
	code, body, hdr := fetch(t, c, "GET", cb, nil)
	if code != status || !strings.Contains(body, want) {
		t.Fatalf("HTTP %d, want %d with %q: %s", code, status, want, clipText(between(body, "<main", "</main>"), 1200))
	}
	if strings.Contains(strings.Join(hdr.Values("Set-Cookie"), "\n"), sessionCookie+"=") {
		t.Fatal("a refused sign-in got a session cookie")
	}
}

// TestOIDCRefusals: tokens the provider issued for another client, that
// expired, with another nonce, mangled or unsigned, are refused with a
// reason, as is a provider that is down or hangs (within the timeout).
func TestOIDCRefusals(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		f := newOIDCFixture(t, open(), nil)
		f.signIn(t, "ana") // keys and metadata cached

		t.Run("wrong audience", func(t *testing.T) {
			other := f.idp.otherAppToken(t, "ana")
			f.idp.set(func(p *testIdP) { p.rewrite = func(string) string { return other } })
			defer f.idp.set(func(p *testIdP) { p.rewrite = nil })
			c := f.browser()
			refusedWith(t, c, f.begin(t, c, "ana", nil), http.StatusForbidden, "not for this server&#39;s client id")
		})
		t.Run("expired", func(t *testing.T) {
			f.idp.set(func(p *testIdP) { p.lifetime = -10 * time.Minute })
			defer f.idp.set(func(p *testIdP) { p.lifetime = 5 * time.Minute })
			c := f.browser()
			refusedWith(t, c, f.begin(t, c, "ana", nil), http.StatusForbidden, "the token expired at")
		})
		t.Run("bad nonce", func(t *testing.T) {
			c := f.browser()
			cb := f.begin(t, c, "ana", func(q url.Values) { q.Set("nonce", "attacker-chosen") })
			refusedWith(t, c, cb, http.StatusForbidden, "nonce does not match")
		})
		t.Run("state from nowhere", func(t *testing.T) {
			c := f.browser()
			cb := f.begin(t, c, "ana", func(q url.Values) { q.Set("state", "forged-state") })
			refusedWith(t, c, cb, http.StatusBadRequest, "unknown, expired or was already used")
		})
		t.Run("PKCE verifier mismatch", func(t *testing.T) {
			c := f.browser()
			cb := f.begin(t, c, "ana", func(q url.Values) { q.Set("code_challenge", strings.Repeat("A", 43)) })
			refusedWith(t, c, cb, http.StatusForbidden, "refused the code")
		})
		for _, m := range []struct {
			name, want string
			status     int
			fn         func(string) string
		}{
			{"truncated", "malformed ID token", http.StatusBadGateway, func(s string) string { return s[:len(s)/2] }},
			{"two parts", "malformed ID token", http.StatusBadGateway, func(s string) string { return s[:strings.LastIndex(s, ".")] }},
			{"garbage", "malformed ID token", http.StatusBadGateway, func(string) string { return "<html>" }},
			{"changed claims", "bad signature", http.StatusForbidden, func(s string) string {
				p := strings.Split(s, ".")
				b, _ := base64.RawURLEncoding.DecodeString(p[1])
				b = []byte(strings.Replace(string(b), `"id-ana"`, `"id-root"`, 1))
				return p[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + p[2]
			}},
			{"alg none", "not accepted", http.StatusForbidden, func(s string) string {
				p := strings.Split(s, ".")
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + p[1] + ".AA"
			}},
			{"HMAC with a public key", "not accepted", http.StatusForbidden, func(s string) string {
				p := strings.Split(s, ".")
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + p[1] + "." + p[2]
			}},
		} {
			t.Run("mangled "+m.name, func(t *testing.T) {
				f.idp.set(func(p *testIdP) { p.rewrite = m.fn })
				defer f.idp.set(func(p *testIdP) { p.rewrite = nil })
				c := f.browser()
				refusedWith(t, c, f.begin(t, c, "ana", nil), m.status, m.want)
			})
		}
		t.Run("ES256 and key rotation", func(t *testing.T) {
			before := f.idp.jwksHits.Load()
			f.idp.useECKey(t, "ec-1")
			f.signIn(t, "ana") // unknown kid: one refetch
			if n := f.idp.jwksHits.Load() - before; n != 1 {
				t.Fatalf("%d key set fetches for a rotation, want 1", n)
			}
			// Rotated again at once: a refetch within the gap is refused,
			// so unknown kids cannot make cascade hammer the provider.
			f.idp.useECKey(t, "ec-2")
			c := f.browser()
			refusedWith(t, c, f.begin(t, c, "ana", nil), http.StatusForbidden, "no key")
			c = f.browser()
			refusedWith(t, c, f.begin(t, c, "ana", nil), http.StatusForbidden, "no key")
			if n := f.idp.jwksHits.Load() - before; n != 1 {
				t.Fatalf("%d key set fetches, want still 1", n)
			}
			f.skew.Add(int64(oidcRefetchGap + time.Second))
			f.signIn(t, "ana")
			if n := f.idp.jwksHits.Load() - before; n != 2 {
				t.Fatalf("%d key set fetches after the gap, want 2", n)
			}
		})
		t.Run("provider down mid sign-in", func(t *testing.T) {
			c := f.browser()
			cb := f.begin(t, c, "ana", nil)
			f.idp.srv.Close()
			start := time.Now()
			refusedWith(t, c, cb, http.StatusBadGateway, "cannot be reached")
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	})
}

// TestOIDCProviderUnreachable: a provider that refuses connections or
// accepts and never answers gives a clear page within the timeout.
func TestOIDCProviderUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accept and say nothing
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	for _, tc := range []struct{ name, issuer string }{{"hangs", "http://" + ln.Addr().String()}, {"refuses", deadURL}} {
		t.Run(tc.name, func(t *testing.T) {
			st := openSQLite(t)
			f := newOIDCFixture(t, st, func(c *OIDCConfig) { c.Issuer = tc.issuer; c.Timeout = time.Second })
			start := time.Now()
			code, body, _ := fetch(t, f.browser(), "GET", f.ts.URL+"/oidc/login", nil)
			if code != http.StatusBadGateway || !strings.Contains(body, "cannot be reached") || !strings.Contains(body, `id="token"`) {
				t.Fatalf("HTTP %d: %s", code, clipText(body, 800))
			}
			if d := time.Since(start); d > 8*time.Second { // the timeout is 1 s; the margin is for a loaded machine
				t.Fatalf("a provider that %s held the page %v", tc.name, d)
			}
		})
	}
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "oidc.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestOIDCConfigChecked(t *testing.T) {
	roles := map[string]string{"soc": fleet.TokenAnalyst}
	for _, tc := range []struct {
		name   string
		cfg    OIDCConfig
		public string
		err    string
	}{
		{"good", OIDCConfig{Issuer: "https://idp.example/realms/x", ClientID: "c", Roles: roles}, "https://cascade.example", ""},
		{"plain http off loopback", OIDCConfig{Issuer: "http://idp.example", ClientID: "c", Roles: roles}, "https://c", "must use https"},
		{"issuer with a query", OIDCConfig{Issuer: "https://idp.example/?a=b", ClientID: "c", Roles: roles}, "https://c", "without query"},
		{"no client id", OIDCConfig{Issuer: "https://idp.example", Roles: roles}, "https://c", "client id"},
		{"no redirect", OIDCConfig{Issuer: "https://idp.example", ClientID: "c", Roles: roles}, "", "redirect URL or the server's public URL"},
		{"relative redirect", OIDCConfig{Issuer: "https://idp.example", ClientID: "c", Roles: roles, RedirectURL: "/cb"}, "", "absolute"},
		{"no roles", OIDCConfig{Issuer: "https://idp.example", ClientID: "c"}, "https://c", "at least one group"},
		{"agent role", OIDCConfig{Issuer: "https://idp.example", ClientID: "c", Roles: map[string]string{"x": fleet.TokenAgent}}, "https://c", "only admin and analyst"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newOIDC(&tc.cfg, tc.public, time.Now)
			if tc.err == "" {
				if err != nil || c == nil {
					t.Fatalf("refused: %v", err)
				}
				if c.redirect != tc.public+"/oidc/callback" || c.host != "idp.example" || c.cfg.Scopes[0] != "openid" {
					t.Fatalf("client = %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// TestOIDCStartLimit: one address cannot start sign-ins without end.
func TestOIDCStartLimit(t *testing.T) {
	f := newOIDCFixture(t, openSQLite(t), nil)
	f.s.oidc.starts.burst = 3
	c := f.browser()
	for i := range 3 {
		if code, _, _ := fetch(t, c, "GET", f.ts.URL+"/oidc/login", nil); code != http.StatusSeeOther {
			t.Fatalf("start %d: HTTP %d", i, code)
		}
	}
	code, body, hdr := fetch(t, c, "GET", f.ts.URL+"/oidc/login", nil)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(body, "Too many sign-ins") {
		t.Fatalf("fourth start: HTTP %d (Retry-After %q): %s", code, hdr.Get("Retry-After"), clipText(body, 500))
	}
}
