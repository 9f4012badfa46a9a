package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// OIDCConfig turns on sign-in with the company's identity provider
// (OpenID Connect, authorization code flow with PKCE) for the web UI.
// API tokens keep working beside it.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; discovery is Issuer +
	// "/.well-known/openid-configuration".
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is where the provider sends the browser back; by
	// default PublicURL + "/oidc/callback".
	RedirectURL string
	// GroupsClaim names the ID token claim listing the person's groups
	// ("groups" by default; a dotted path reaches into nested objects).
	GroupsClaim string
	// Roles maps a group to a role (admin or analyst). A person in no
	// mapped group is refused; one in several gets the strongest role.
	Roles map[string]string
	// Scopes asked for; "openid" is always included.
	Scopes []string
	// Name is shown on the sign-in button ("Sign in with NAME"); the
	// issuer's host by default.
	Name string
	// Timeout bounds each call to the provider (10 s by default).
	Timeout time.Duration
	// HTTP is the client for the provider (tests); by default one with
	// Timeout and no cookies.
	HTTP *http.Client
}

const (
	oidcCookie      = "cascade_oidc"
	oidcAttemptTTL  = 10 * time.Minute
	oidcMetaTTL     = time.Hour
	oidcRefetchGap  = 30 * time.Second // at most one JWKS refetch for unknown keys per gap
	oidcMaxResponse = 1 << 20
)

// oidcClient is the relying party: configuration, the provider's
// metadata and keys (fetched on first use and cached).
type oidcClient struct {
	cfg      OIDCConfig
	redirect string
	host     string // the issuer's host, in user names
	http     *http.Client
	now      func() time.Time

	mu        sync.Mutex
	meta      *oidcMeta
	metaAt    time.Time
	keys      []publicKey
	keysAt    time.Time
	refetchAt time.Time
	// metaErr is the last discovery failure, answered again for
	// oidcRetryGap so a provider that is down is not asked on every click.
	metaErr   error
	metaErrAt time.Time
	starts    *startLimiter
}

const oidcRetryGap = 5 * time.Second

// oidcMeta is the part of the discovery document cascade uses.
type oidcMeta struct {
	Issuer           string   `json:"issuer"`
	AuthorizationURL string   `json:"authorization_endpoint"`
	TokenURL         string   `json:"token_endpoint"`
	JWKSURL          string   `json:"jwks_uri"`
	EndSessionURL    string   `json:"end_session_endpoint"`
	Algs             []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	ChallengeMethods []string `json:"code_challenge_methods_supported"`
}

// newOIDC checks the configuration; nil config means OIDC is off.
func newOIDC(cfg *OIDCConfig, publicURL string, now func() time.Time) (*oidcClient, error) {
	if cfg == nil || cfg.Issuer == "" {
		return nil, nil
	}
	iu, err := url.Parse(cfg.Issuer)
	if err != nil || iu.Host == "" || (iu.Scheme != "https" && iu.Scheme != "http") || iu.RawQuery != "" || iu.Fragment != "" {
		return nil, fmt.Errorf("oidc: issuer %q is not an http(s) URL without query or fragment", cfg.Issuer)
	}
	if iu.Scheme == "http" && !isLoopbackHost(iu.Hostname()) {
		return nil, fmt.Errorf("oidc: issuer %q must use https (plain http only on loopback, for tests)", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("oidc: a client id is required")
	}
	c := &oidcClient{cfg: *cfg, host: iu.Host, now: now, starts: newStartLimiter()}
	c.redirect = cfg.RedirectURL
	if c.redirect == "" {
		if publicURL == "" {
			return nil, errors.New("oidc: set the redirect URL or the server's public URL")
		}
		c.redirect = strings.TrimRight(publicURL, "/") + "/oidc/callback"
	}
	if ru, err := url.Parse(c.redirect); err != nil || ru.Host == "" || (ru.Scheme != "https" && ru.Scheme != "http") {
		return nil, fmt.Errorf("oidc: redirect URL %q is not an absolute http(s) URL", c.redirect)
	}
	if c.cfg.GroupsClaim == "" {
		c.cfg.GroupsClaim = "groups"
	}
	if len(c.cfg.Roles) == 0 {
		return nil, errors.New("oidc: map at least one group to a role (admin or analyst)")
	}
	for g, r := range c.cfg.Roles {
		if r != fleet.TokenAdmin && r != fleet.TokenAnalyst {
			return nil, fmt.Errorf("oidc: group %q maps to role %q; only admin and analyst can sign in to the UI", g, r)
		}
	}
	if !slices.Contains(c.cfg.Scopes, "openid") {
		c.cfg.Scopes = append([]string{"openid"}, c.cfg.Scopes...)
	}
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = 10 * time.Second
	}
	if c.cfg.Name == "" {
		c.cfg.Name = iu.Hostname()
	}
	c.http = cfg.HTTP
	if c.http == nil {
		c.http = &http.Client{Timeout: c.cfg.Timeout}
	}
	return c, nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}

// providerError is the provider unreachable or answering nonsense: the
// person is told so on a page, never left waiting.
type providerError struct{ err error }

func (e *providerError) Error() string { return "identity provider: " + e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }

// getJSON fetches a small JSON document from the provider within the
// timeout.
func (c *oidcClient) getJSON(ctx context.Context, u string, v any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &providerError{err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &providerError{err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, oidcMaxResponse+1))
	if err != nil {
		return nil, &providerError{fmt.Errorf("read %s: %w", u, err)}
	}
	if len(b) > oidcMaxResponse {
		return nil, &providerError{fmt.Errorf("%s: answer larger than %d bytes", u, oidcMaxResponse)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &providerError{fmt.Errorf("%s: HTTP %d", u, resp.StatusCode)}
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return nil, &providerError{fmt.Errorf("%s: %w", u, err)}
		}
	}
	return b, nil
}

// metadata returns the discovery document, fetched at most once an hour
// (and again after a failure).
func (c *oidcClient) metadata(ctx context.Context) (*oidcMeta, error) {
	c.mu.Lock()
	if c.meta != nil && c.now().Sub(c.metaAt) < oidcMetaTTL {
		m := c.meta
		c.mu.Unlock()
		return m, nil
	}
	if c.metaErr != nil && c.now().Sub(c.metaErrAt) < oidcRetryGap {
		err := c.metaErr
		c.mu.Unlock()
		return nil, err
	}
	c.mu.Unlock()
	m, err := c.discover(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.metaErr, c.metaErrAt = err, c.now()
		return nil, err
	}
	c.meta, c.metaAt, c.metaErr = m, c.now(), nil
	return m, nil
}

// discover fetches and checks the discovery document.
func (c *oidcClient) discover(ctx context.Context) (*oidcMeta, error) {
	var m oidcMeta
	if _, err := c.getJSON(ctx, strings.TrimRight(c.cfg.Issuer, "/")+"/.well-known/openid-configuration", &m); err != nil {
		return nil, err
	}
	if m.Issuer != c.cfg.Issuer {
		return nil, &providerError{fmt.Errorf("discovery names issuer %q, not the configured %q", m.Issuer, c.cfg.Issuer)}
	}
	for what, u := range map[string]string{"authorization_endpoint": m.AuthorizationURL, "token_endpoint": m.TokenURL, "jwks_uri": m.JWKSURL} {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || (pu.Scheme != "https" && !(pu.Scheme == "http" && isLoopbackHost(pu.Hostname()))) {
			return nil, &providerError{fmt.Errorf("discovery: %s %q is not an https URL", what, u)}
		}
	}
	if len(m.ChallengeMethods) > 0 && !slices.Contains(m.ChallengeMethods, "S256") {
		return nil, &providerError{errors.New("the provider does not support PKCE with S256")}
	}
	return &m, nil
}

// key finds the verification key for a token's kid: from the cached set,
// else from a refetched one (a provider that rotated its keys), at most
// once per oidcRefetchGap so forged kids cannot make us hammer the
// provider.
func (c *oidcClient) key(ctx context.Context, m *oidcMeta, kid, alg string) (publicKey, error) {
	find := func(keys []publicKey) (publicKey, bool) {
		var match []publicKey
		for _, k := range keys {
			if (kid == "" || k.kid == kid) && (k.alg == "" || k.alg == alg) {
				match = append(match, k)
			}
		}
		if len(match) == 1 || (len(match) > 1 && kid != "") {
			return match[0], true
		}
		return publicKey{}, false
	}
	c.mu.Lock()
	k, ok := find(c.keys)
	stale := c.keys == nil || c.now().Sub(c.keysAt) >= oidcMetaTTL
	if ok && !stale {
		c.mu.Unlock()
		return k, nil
	}
	if !stale {
		// An unknown kid on a fresh set: refetch, but only once per gap.
		if c.now().Sub(c.refetchAt) < oidcRefetchGap {
			c.mu.Unlock()
			return publicKey{}, refused("no key %q in the provider's key set", kid)
		}
		c.refetchAt = c.now()
	}
	c.mu.Unlock()
	b, err := c.getJSON(ctx, m.JWKSURL, nil)
	if err != nil {
		return publicKey{}, err
	}
	keys, _, err := parseJWKS(b)
	if err != nil {
		return publicKey{}, &providerError{err}
	}
	c.mu.Lock()
	c.keys, c.keysAt = keys, c.now()
	c.mu.Unlock()
	if k, ok := find(keys); ok {
		return k, nil
	}
	return publicKey{}, refused("no key %q in the provider's key set", kid)
}

// verify checks an ID token: parsed, signed by the provider with an
// announced algorithm, and its claims right for this sign-in.
func (c *oidcClient) verify(ctx context.Context, m *oidcMeta, raw, nonce string) (*idClaims, error) {
	p, err := parseJWT(raw)
	if err != nil {
		return nil, err
	}
	if !supportedAlg(p.header.Alg) {
		return nil, refused("signature algorithm %q is not accepted", p.header.Alg)
	}
	if len(m.Algs) > 0 && !slices.Contains(m.Algs, p.header.Alg) {
		return nil, refused("signature algorithm %q is not one the provider announced (%s)", p.header.Alg, strings.Join(m.Algs, ", "))
	}
	k, err := c.key(ctx, m, p.header.Kid, p.header.Alg)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(p, k); err != nil {
		return nil, err
	}
	claims, err := parseClaims(p.payload)
	if err != nil {
		return nil, err
	}
	if err := checkClaims(claims, tokenExpect{Issuer: c.cfg.Issuer, ClientID: c.cfg.ClientID, Nonce: nonce, Now: c.now()}); err != nil {
		return nil, err
	}
	return claims, nil
}

// exchange trades the authorization code for tokens at the token
// endpoint, with the PKCE verifier, and returns the ID token.
func (c *oidcClient) exchange(ctx context.Context, m *oidcMeta, code, verifier string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirect}, "code_verifier": {verifier}}
	basic := c.cfg.ClientSecret != "" && (len(m.TokenAuthMethods) == 0 || slices.Contains(m.TokenAuthMethods, "client_secret_basic"))
	if !basic {
		form.Set("client_id", c.cfg.ClientID)
		if c.cfg.ClientSecret != "" {
			form.Set("client_secret", c.cfg.ClientSecret)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &providerError{err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		// RFC 6749 §2.3.1: both form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", &providerError{err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, oidcMaxResponse+1))
	if err != nil || len(b) > oidcMaxResponse {
		return "", &providerError{fmt.Errorf("token endpoint: answer unreadable or too large")}
	}
	var tr struct {
		IDToken   string `json:"id_token"`
		TokenType string `json:"token_type"`
		Error     string `json:"error"`
		Desc      string `json:"error_description"`
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		return "", &providerError{fmt.Errorf("token endpoint: HTTP %d, not JSON", resp.StatusCode)}
	}
	if resp.StatusCode != http.StatusOK || tr.Error != "" {
		return "", refused("the provider refused the code: %s %s", tr.Error, tr.Desc)
	}
	if tr.IDToken == "" {
		return "", refused("the provider's answer has no ID token (is the openid scope allowed for this client?)")
	}
	return tr.IDToken, nil
}

// authURL is where the browser is sent to sign in.
func (c *oidcClient) authURL(m *oidcMeta, state, nonce, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {c.redirect},
		"scope":                 {strings.Join(c.cfg.Scopes, " ")},
		"state":                 {state},
		"nonce":                 {nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(m.AuthorizationURL, "?") {
		sep = "&"
	}
	return m.AuthorizationURL + sep + q.Encode()
}

// role maps groups to the strongest role they give ("" for none).
func (c *oidcClient) role(groups []string) string {
	role := ""
	for _, g := range groups {
		switch c.cfg.Roles[g] {
		case fleet.TokenAdmin:
			return fleet.TokenAdmin
		case fleet.TokenAnalyst:
			role = fleet.TokenAnalyst
		}
	}
	return role
}

// mappedGroups lists the configured groups, for the refusal page.
func (c *oidcClient) mappedGroups() []string {
	var out []string
	for g := range c.cfg.Roles {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// startLimiter bounds the sign-ins one address may start: each start
// stores a row until it is spent or expires, so a script must not be able
// to fill the table. A token bucket per address (IPv6 per /64).
type startLimiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
}

const (
	oidcStartBurst = 30
	oidcStartEvery = 2 * time.Second
	maxStartAddrs  = 10000
)

func newStartLimiter() *startLimiter {
	return &startLimiter{burst: oidcStartBurst, every: oidcStartEvery, buckets: map[string]*bucket{}}
}

// take spends one start for key, or says how long to wait.
func (l *startLimiter) take(key string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxStartAddrs {
			for k, o := range l.buckets { // drop the full ones
				if o.tokens+float64(now.Sub(o.at))/float64(l.every) >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxStartAddrs {
				return &errRateLimited{wait: l.every}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens < 1 {
		return &errRateLimited{wait: time.Duration((1 - b.tokens) * float64(l.every))}
	}
	b.tokens--
	return nil
}
