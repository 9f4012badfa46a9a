package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::1]:80", "::/64"},
		{"pipe", "pipe"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := clientKey(r); got != tc.want {
			t.Errorf("clientKey(%s) = %s, want %s", tc.remote, got, tc.want)
		}
	}
}

func TestAuthLimiterBucket(t *testing.T) {
	l := newAuthLimiter()
	now := time.Unix(1e9, 0)
	audits := 0
	for i := range failBurst {
		if err := l.check("a", now); err != nil {
			t.Fatalf("failure %d refused early: %v", i, err)
		}
		if rec, _, _ := l.fail("a", now); rec {
			audits++
		}
	}
	err := l.check("a", now)
	rl, ok := err.(*errRateLimited)
	if !ok || rl.retryAfter() < 1 || rl.retryAfter() > int(failRefill/time.Second) {
		t.Fatalf("after %d failures: %v", failBurst, err)
	}
	if audits != 2 {
		t.Errorf("%d audit records for one burst, want 2 (first failure, block)", audits)
	}
	if err := l.check("b", now); err != nil {
		t.Errorf("another address refused: %v", err)
	}
	if err := l.check("a", now.Add(failRefill)); err != nil {
		t.Errorf("one refill later: %v", err)
	}
}

// TestAuthFailuresLimitedAndAudited: bad tokens from one address get 401
// until the bucket is empty, then 429 with Retry-After before any look-up
// (a good token too, from that address); hundreds of failures leave a
// handful of audit records; after the refill the address is served.
func TestAuthFailuresLimitedAndAudited(t *testing.T) {
	now := time.Now()
	x := newHTTP(t, nil, func(c *Config) { c.Now = func() time.Time { return now } })
	u := x.ts.URL + fleet.APIVersion + "/hosts"
	bad := "cascade_" + strings.Repeat("x", 43)
	var codes []int
	for range 300 {
		code, _ := rawRequest(t, "GET", u, bad, nil, nil)
		codes = append(codes, code)
	}
	for i, c := range codes {
		want := 401
		if i >= failBurst {
			want = 429
		}
		if c != want {
			t.Fatalf("request %d: %d, want %d (all: %v)", i, c, want, codes[:20])
		}
	}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+x.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != 429 || ra < 1 {
		t.Fatalf("good token from a blocked address: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The UI sign-in shares the limit.
	form := url.Values{"token": {bad}}
	lr, err := http.Post(x.ts.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	lr.Body.Close()
	if lr.StatusCode != 429 || lr.Header.Get("Retry-After") == "" {
		t.Fatalf("UI sign-in from a blocked address: %d %q", lr.StatusCode, lr.Header.Get("Retry-After"))
	}
	log, err := x.s.st.AuditLog(bg, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if strings.HasPrefix(e.Action, "auth.") {
			n++
			if !strings.Contains(e.Remote, "127.0.0.1") {
				t.Errorf("audit record without the address: %+v", e)
			}
		}
	}
	if n == 0 || n > 3 {
		t.Fatalf("%d audit records of 300 failures, want 1 to 3", n)
	}
	now = now.Add(failRefill)
	if code, _ := rawRequest(t, "GET", u, x.admin, nil, nil); code != 200 {
		t.Fatalf("after a refill: %d", code)
	}
}
