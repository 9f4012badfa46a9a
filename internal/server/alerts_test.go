package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/alert"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestAlertsEndToEnd: sinks configured through the API, findings from a
// hunt and from an ingest queued in the outbox, sent signed, a failing
// sink retried into the dead letters and retried by hand.
func TestAlertsEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var got []alert.Alert
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := alert.Verify([]byte("hook-secret"), r.Header.Get(alert.HeaderSignature), r.Header.Get(alert.HeaderTimestamp), b, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var a alert.Alert
		json.Unmarshal(b, &a)
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer bad.Close()

	var clock atomic.Int64
	clock.Store(time.Now().UnixMilli())
	x := newHTTP(t, nil, func(c *Config) {
		c.AlertAllowLoopback = true
		c.AlertTimeout = 2 * time.Second
		c.PublicURL = "https://cascade.example"
		c.Now = func() time.Time { return time.UnixMilli(clock.Load()) }
	})
	s := x.s
	post := func(body string) (int, string) {
		return rawRequest(t, "POST", x.ts.URL+"/api/v1/alerts/sinks", x.admin, []byte(body), map[string]string{"Content-Type": "application/json"})
	}
	code, body := post(fmt.Sprintf(`{"name":"soc","kind":"webhook","destination":%q,"secret":"hook-secret","min_level":"warning"}`, good.URL+"/hook"))
	if code != 201 || strings.Contains(body, "hook-secret") || !strings.Contains(body, `"has_secret":true`) {
		t.Fatalf("add sink: %d %s", code, body)
	}
	if code, body := post(fmt.Sprintf(`{"name":"flaky","kind":"webhook","destination":%q,"secret":"other-secret"}`, bad.URL)); code != 201 {
		t.Fatalf("add flaky sink: %d %s", code, body)
	}
	for _, b := range []string{
		`{"name":"meta","kind":"webhook","destination":"http://169.254.169.254/latest/meta-data"}`,
		`{"name":"v6ll","kind":"webhook","destination":"http://[fe80::1]:8080/"}`,
		`{"name":"x","kind":"pager","destination":"x"}`,
		`{"name":"y","kind":"syslog","destination":"tcp://h"}`,
		`{"name":"z","kind":"webhook","destination":"https://example.org/","min_level":"severe"}`,
	} {
		if code, body := post(b); code != 400 {
			t.Errorf("%s: %d %s", b, code, body)
		}
	}
	code, body = rawRequest(t, "GET", x.ts.URL+"/api/v1/alerts/sinks", x.admin, nil, nil)
	if code != 200 || strings.Contains(body, "secret\":\"") || strings.Contains(body, "hook-secret") {
		t.Fatalf("list sinks: %d %s", code, body)
	}
	an := x.token(t, fleet.TokenAnalyst, nil)
	if code, _ := rawRequest(t, "GET", x.ts.URL+"/api/v1/alerts/sinks", an, nil, nil); code != 403 {
		t.Fatalf("analyst lists sinks: %d", code)
	}

	// A hunt raises a finding on a (intel after the upload), an ingest on b.
	st := s.Store()
	a, _ := st.EnsureHost(bg, snapshot.Host{ID: "a", Name: "pc-a"}, []string{fleet.RoleWorkstation}, time.Now())
	b, _ := st.EnsureHost(bg, snapshot.Host{ID: "b", Name: "pc-b"}, []string{fleet.RoleWorkstation}, time.Now())
	upload(t, s, a, hostSnap("a", time.Now(), []snapshot.Software{xtrader}, nil))
	if _, err := s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin"); err != nil {
		t.Fatal(err)
	}
	runHunts(t, s)
	upload(t, s, b, hostSnap("b", time.Now(), []snapshot.Software{xtrader}, nil))
	fs, _, _ := st.ListFindings(bg, store.FindingQuery{})
	if len(fs) < 2 {
		t.Fatalf("findings: %+v", fs)
	}
	wantSOC := 0
	for _, f := range fs {
		if fleet.LevelRank(string(f.Level)) >= fleet.LevelRank("warning") {
			wantSOC++
		}
	}
	for i := 0; i < 20; i++ {
		if _, err := s.alerts.round(bg); err != nil {
			t.Fatal(err)
		}
		clock.Add(int64(24 * time.Hour / time.Millisecond)) // past any back-off
	}
	mu.Lock()
	n := len(got)
	var hosts []string
	for _, g := range got {
		hosts = append(hosts, g.HostName)
		if g.Link != "https://cascade.example/findings/"+g.FindingID || g.Event != "new" || len(g.Reasons) == 0 {
			t.Errorf("alert %+v", g)
		}
	}
	mu.Unlock()
	if n != wantSOC || wantSOC == 0 || !strings.Contains(strings.Join(hosts, ","), "pc-a") || !strings.Contains(strings.Join(hosts, ","), "pc-b") {
		t.Fatalf("soc received %d alerts for %v, want %d", n, hosts, wantSOC)
	}
	// The flaky sink's deliveries died after alertMaxAttempts attempts.
	code, body = rawRequest(t, "GET", x.ts.URL+"/api/v1/alerts/deliveries?state=dead", x.admin, nil, nil)
	var dead []fleet.AlertDelivery
	json.Unmarshal([]byte(body), &dead)
	if code != 200 || len(dead) != len(fs) || dead[0].Attempts != alertMaxAttempts || len(dead[0].History) != alertMaxAttempts ||
		!strings.Contains(dead[0].LastError, "503") {
		t.Fatalf("dead letters: %d %s", code, body)
	}
	code, _ = rawRequest(t, "POST", fmt.Sprintf("%s/api/v1/alerts/deliveries/%d/retry", x.ts.URL, dead[0].ID), x.admin, nil, nil)
	if code != 204 {
		t.Fatalf("retry: %d", code)
	}
	if ds, _ := st.Deliveries(bg, store.DeliveryQuery{State: fleet.DeliveryPending}); len(ds) != 1 || ds[0].ID != dead[0].ID {
		t.Fatalf("pending after retry: %+v", ds)
	}
	// Every change audited, no secret in the audit log.
	log, _ := st.AuditLog(bg, 100, 0)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if strings.Contains(e.Detail, "secret\"") || strings.Contains(e.Detail, "hook-secret") || strings.Contains(e.Detail, "other-secret") {
			t.Errorf("secret in audit: %+v", e)
		}
	}
	for _, w := range []string{"alert.sink.add", "alert.delivery.retry"} {
		if !strings.Contains(strings.Join(actions, " "), w) {
			t.Errorf("audit lacks %s: %v", w, actions)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 4: 40 * time.Second, 20: alertMaxBackoff} {
		for range 20 {
			if d := backoff(n); d < want*3/4 || d > want*5/4 {
				t.Errorf("backoff(%d) = %v, want %v ±25%%", n, d, want)
			}
		}
	}
}

func TestRedactDest(t *testing.T) {
	if got := redactDest("smtp://user:pw@relay:587?to=a@b"); got != "smtp://user:xxxxx@relay:587?to=a@b" {
		t.Fatal(got)
	}
}

// TestAlertsPage: the admin page lists sinks without secrets and the dead
// letters, whose retry form needs the CSRF token; analysts are refused.
func TestAlertsPage(t *testing.T) {
	s, ts, analyst := uiFixture(t)
	k, err := s.st.AddAlertSink(bg, fleet.AlertSink{Name: "soc-hook", Kind: fleet.SinkWebhook, Destination: "https://203.0.113.9/h", Secret: "page-secret"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.st.EnsureHost(bg, snapshot.Host{ID: "late", Name: "late"}, nil, day(30))
	upload(t, s, h, hostSnap("late", day(30), []snapshot.Software{xtrader}, nil))
	ds, err := s.st.ClaimDeliveries(bg, "t", time.Now(), time.Minute, 10)
	if err != nil || len(ds) == 0 {
		t.Fatalf("claim: %+v %v", ds, err)
	}
	if err := s.st.FinishDelivery(bg, store.DeliveryResult{ID: ds[0].ID, Owner: "t", At: time.Now(), Err: "boom <b>", Dead: true}); err != nil {
		t.Fatal(err)
	}
	tc, _ := s.CreateToken(bg, fleet.TokenRequest{Name: "root", Role: fleet.TokenAdmin}, "test")
	login := func(token string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := ts.Client()
		c.Jar = jar
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c
	}
	ac := login(tc.Secret)
	page := get(t, ac, ts.URL+"/alerts")
	if !strings.Contains(page, "soc-hook") || strings.Contains(page, "page-secret") || !strings.Contains(page, "boom &lt;b&gt;") ||
		!strings.Contains(page, fmt.Sprintf("/alerts/deliveries/%d/retry", ds[0].ID)) {
		t.Fatalf("alerts page: %s", page)
	}
	csrf := between(page, `name="csrf" value="`, `"`)
	post := func(c *http.Client, form url.Values) int {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/alerts/deliveries/%d/retry", ts.URL, ds[0].ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", ts.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(ac, url.Values{}); code != 403 {
		t.Fatalf("retry without csrf: %d", code)
	}
	if code := post(ac, url.Values{"csrf": {csrf}}); code != 303 {
		t.Fatalf("retry: %d", code)
	}
	if pend, _ := s.st.Deliveries(bg, store.DeliveryQuery{State: fleet.DeliveryPending, SinkID: k.ID}); len(pend) == 0 {
		t.Fatal("nothing pending after the retry")
	}
	an := login(analyst)
	resp, err := an.Get(ts.URL + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("analyst alerts page: %d", resp.StatusCode)
	}
}
