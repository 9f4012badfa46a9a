package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// testIdP is a real OpenID Provider on loopback: zitadel/oidc's op
// package (a maintained OpenID provider library) over its in-memory example
// storage, independent of cascade's relying-party code. The test can give
// people groups, shorten the ID token's life, switch to an ECDSA key,
// rotate keys, and rewrite the token endpoint's answer (a substituted or
// mangled token).
type testIdP struct {
	*storage.Storage
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	groups   map[string][]string // user id → groups
	lifetime time.Duration       // ID token lifetime (negative: born expired)
	ec       *ecdsa.PrivateKey   // when set, tokens are signed ES256 with it
	ecKid    string
	rewrite  func(idToken string) string // applied to the token endpoint's id_token
	jwksHits atomic.Int64
}

type testUser struct{ id, username, email string }

var idpUsers = []testUser{
	{"id-ana", "ana", "ana@example.com"},
	{"id-root", "root", "root@example.com"},
	{"id-eve", "eve", "eve@example.com"},
}

type idpUserStore map[string]*storage.User

func (u idpUserStore) GetUserByID(id string) *storage.User { return u[id] }
func (u idpUserStore) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u idpUserStore) ExampleClientID() string { return "service" }

const idpPassword = "correct horse"

// newTestIdP starts the provider with client "cascade" (secret
// "s3cret") redirecting to redirect, and client "other-app".
func newTestIdP(t *testing.T, redirect string) *testIdP {
	t.Helper()
	users := idpUserStore{}
	for _, u := range idpUsers {
		users[u.id] = &storage.User{ID: u.id, Username: u.username, Password: idpPassword, FirstName: u.username, LastName: "Test",
			Email: u.email, EmailVerified: true, PreferredLanguage: language.English}
	}
	p := &testIdP{lifetime: 5 * time.Minute, groups: map[string][]string{
		"id-ana":  {"staff", "soc-analysts"},
		"id-root": {"soc-analysts", "cascade-admins"},
		"id-eve":  {"marketing"},
	}}
	p.Storage = storage.NewStorageWithClients(users, map[string]*storage.Client{
		"cascade":   storage.WebClient("cascade", "s3cret", redirect),
		"other-app": storage.WebClient("other-app", "other-secret", "http://127.0.0.1:1/other/callback"),
	})
	var h http.Handler
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	var key [32]byte
	rand.Read(key[:])
	provider, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}, p, op.StaticIssuer(p.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/username", func(w http.ResponseWriter, r *http.Request) {
		idpLoginForm.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID")})
	})
	mux.Handle("POST /login/username", interceptor.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PostFormValue("id")
		if err := p.CheckUsernamePassword(r.PostFormValue("username"), r.PostFormValue("password"), id); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			idpLoginForm.Execute(w, map[string]string{"ID": id, "Error": err.Error()})
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			p.jwksHits.Add(1)
		}
		p.mu.Lock()
		rw := p.rewrite
		p.mu.Unlock()
		if r.URL.Path != "/oauth/token" || rw == nil {
			provider.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		provider.ServeHTTP(rec, r)
		var body map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			if s, ok := body["id_token"].(string); ok {
				body["id_token"] = rw(s)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	})
	h = mux
	return p
}

var idpLoginForm = template.Must(template.New("login").Parse(`<!doctype html><html><head><title>Test IdP</title></head><body>
<h1>Test identity provider</h1>{{if .Error}}<p id="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username"><input type="hidden" name="id" value="{{.ID}}">
<input id="username" name="username"><input id="password" name="password" type="password">
<button id="idp-submit" type="submit">Log in</button></form></body></html>`))

func (p *testIdP) set(fn func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// GetClientByClientID puts userinfo claims (email, groups) in the ID
// token, as most company providers do, and applies the test's lifetime.
func (p *testIdP) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := p.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &idpClient{Client: c, p: p}, nil
}

type idpClient struct {
	op.Client
	p *testIdP
}

func (c *idpClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *idpClient) IDTokenLifetime() time.Duration {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.lifetime
}

// SetUserinfoFromRequest adds the person's groups.
func (p *testIdP) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := p.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g, ok := p.groups[req.GetSubject()]; ok {
		ui.AppendClaims("groups", g)
	}
	return nil
}

type ecSigningKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func (k ecSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k ecSigningKey) Key() any                                    { return k.key }
func (k ecSigningKey) ID() string                                  { return k.kid }

type ecPublicKey struct{ ecSigningKey }

func (k ecPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k ecPublicKey) Use() string                        { return "sig" }
func (k ecPublicKey) Key() any                           { return &k.key.PublicKey }

// useECKey switches the provider to a new P-256 key (a key rotation: the
// old key leaves the key set).
func (p *testIdP) useECKey(t *testing.T, kid string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.set(func(p *testIdP) { p.ec, p.ecKid = k, kid })
}

func (p *testIdP) SigningKey(ctx context.Context) (op.SigningKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ec != nil {
		return ecSigningKey{p.ecKid, p.ec}, nil
	}
	return p.Storage.SigningKey(ctx)
}

func (p *testIdP) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.ES256}, nil
}

func (p *testIdP) KeySet(ctx context.Context) ([]op.Key, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ec != nil {
		return []op.Key{ecPublicKey{ecSigningKey{p.ecKid, p.ec}}}, nil
	}
	return p.Storage.KeySet(ctx)
}

// otherAppToken signs in as user through client "other-app" and returns
// the ID token the provider issued to it: a genuine token for another
// audience, for a substitution attack.
func (p *testIdP) otherAppToken(t *testing.T, user string) string {
	t.Helper()
	c := noFollow(nil)
	q := url.Values{"response_type": {"code"}, "client_id": {"other-app"}, "redirect_uri": {"http://127.0.0.1:1/other/callback"},
		"scope": {"openid email"}, "state": {"s"}, "nonce": {"other-nonce"}}
	loc := step(t, c, "GET", p.URL+"/authorize?"+q.Encode(), nil, http.StatusFound)
	loc = p.login(t, c, loc, user)
	loc = step(t, c, "GET", loc, nil, http.StatusFound)
	u, _ := url.Parse(loc)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {"http://127.0.0.1:1/other/callback"}}
	req, _ := http.NewRequest("POST", p.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("other-app", "other-secret")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		IDToken string `json:"id_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tr)
	if tr.IDToken == "" {
		t.Fatalf("other-app got no ID token (HTTP %d)", resp.StatusCode)
	}
	return tr.IDToken
}

// login follows the provider's redirect to its login form and submits
// user's password; it returns where the provider sends the browser next.
func (p *testIdP) login(t *testing.T, c *http.Client, loginURL, user string) string {
	t.Helper()
	u, err := url.Parse(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	if !u.IsAbs() {
		u = mustURL(t, p.URL).ResolveReference(u)
	}
	id := u.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the provider did not send the browser to its login form: %s", loginURL)
	}
	body := url.Values{"id": {id}, "username": {user}, "password": {idpPassword}}.Encode()
	return step(t, c, "POST", p.URL+"/login/username", strings.NewReader(body), http.StatusFound)
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// noFollow is a client that stops at redirects, with a cookie jar.
func noFollow(base *http.Client) *http.Client {
	c := &http.Client{Timeout: 20 * time.Second}
	if base != nil {
		c.Transport = base.Transport
	}
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// step makes one request and returns its Location, failing on another
// status than want.
func step(t *testing.T, c *http.Client, method, u string, body *strings.Reader, want int) string {
	t.Helper()
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(method, u, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, err = http.NewRequest(method, u, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", method, u, resp.StatusCode, want, clipText(b.String(), 600))
	}
	loc := resp.Header.Get("Location")
	if loc != "" && !strings.HasPrefix(loc, "http") {
		loc = mustURL(t, u).ResolveReference(mustURL(t, loc)).String()
	}
	return loc
}
