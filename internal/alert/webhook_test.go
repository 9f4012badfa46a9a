package alert

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func sample() *Alert {
	return &Alert{DeliveryID: 7, FindingID: "f1", Event: "new", Host: "h-uid", HostName: "web01",
		Title: "X_TRADER 7.17 installed\r\nInjected: yes", Score: 90, Level: "alert", Incident: "3cx-2023",
		Reasons:  []Reason{{Kind: "advisory", Indicator: "adv-1", Score: 90}},
		Evidence: `C:\Program Files\X_TRADER\x.exe`, DetectedAt: time.Unix(1700000000, 0).UTC(), Link: "https://cascade.example/findings/f1"}
}

func TestGuard(t *testing.T) {
	g := &Guard{Self: []netip.Addr{netip.MustParseAddr("192.0.2.10")}}
	for _, tc := range []struct {
		ip string
		ok bool
	}{
		{"127.0.0.1", false}, {"::1", false}, {"169.254.169.254", false}, {"fe80::1", false},
		{"fd00:ec2::254", false}, {"100.100.100.200", false}, {"0.0.0.0", false}, {"192.0.2.10", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false}, {"224.0.0.1", false},
		{"10.1.2.3", true}, {"203.0.113.5", true}, {"2001:db8::1", true},
	} {
		err := g.CheckAddr(netip.MustParseAddr(tc.ip))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.ip, err, tc.ok)
		}
	}
	lo := &Guard{AllowLoopback: true}
	if err := lo.CheckAddr(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("loopback allowed: %v", err)
	}
	if err := lo.CheckAddr(netip.MustParseAddr("169.254.169.254")); err == nil {
		t.Error("metadata allowed with loopback")
	}
	for _, u := range []string{"http://localhost:1/x", "http://[fe80::1]/", "http://169.254.169.254/latest/meta-data", "ftp://example.com/", "http://u:p@example.com/", "https:///x"} {
		if _, err := CheckWebhookURL(context.Background(), u, &Guard{}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// openssl is the independent reference for the signature.
func opensslHMAC(t *testing.T, key, data string) string {
	t.Helper()
	cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", key)
	cmd.Stdin = strings.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("openssl: %v", err)
	}
	f := strings.Fields(string(out))
	return f[len(f)-1]
}

func TestWebhookSigned(t *testing.T) {
	type got struct {
		h    http.Header
		body []byte
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Clone(), b}
	}))
	defer srv.Close()
	g := &Guard{AllowLoopback: true}
	w, err := NewWebhook(context.Background(), srv.URL+"/hook", "s3cret", g, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	ts, sig := r.h.Get(HeaderTimestamp), r.h.Get(HeaderSignature)
	if want := "sha256=" + opensslHMAC(t, "s3cret", ts+"."+string(r.body)); sig != want {
		t.Fatalf("signature %s, openssl says %s", sig, want)
	}
	if err := Verify([]byte("s3cret"), sig, ts, r.body, time.Now(), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := Verify([]byte("s3cret"), sig, ts, r.body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Fatal("replay an hour later verified")
	}
	if err := Verify([]byte("other"), sig, ts, r.body, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("wrong key verified")
	}
	var a Alert
	if err := json.Unmarshal(r.body, &a); err != nil || a.FindingID != "f1" || a.Score != 90 || a.Incident != "3cx-2023" || len(a.Reasons) != 1 || r.h.Get(HeaderDelivery) != "7" {
		t.Fatalf("body %s: %+v %v", r.body, a, err)
	}
	// Connection time: the same sender once loopback is no longer allowed
	// (as if the name now resolved to the server's own machine).
	g.AllowLoopback = false
	w.client.CloseIdleConnections() // a kept connection was checked when dialed
	if err := w.Send(context.Background(), sample()); err == nil || !strings.Contains(err.Error(), "refused to connect") {
		t.Fatalf("send to loopback after the check: %v", err)
	}
}

func TestWebhookFailures(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "broken", 500)
		case "/redirect":
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
		case "/hang":
			<-hang
		}
	}))
	defer srv.Close()
	defer close(hang) // before srv.Close, which waits for handlers
	for _, p := range []string{"/500", "/redirect", "/hang"} {
		w, err := NewWebhook(context.Background(), srv.URL+p, "", &Guard{AllowLoopback: true}, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := w.Send(context.Background(), sample()); err == nil {
			t.Errorf("%s: no error", p)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: took %v", p, d)
		}
	}
	// Nothing listening.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	w, _ := NewWebhook(context.Background(), "http://"+addr+"/", "", &Guard{AllowLoopback: true}, time.Second)
	if err := w.Send(context.Background(), sample()); err == nil {
		t.Error("send to a closed port succeeded")
	}
}
