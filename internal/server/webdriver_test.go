package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// browser drives a headless Chromium through chromedriver's W3C WebDriver
// HTTP API: no npm, no extra Go module.
type browser struct {
	t    *testing.T
	base string // chromedriver
	sid  string
}

const elementKey = "element-6066-11e4-a52e-4f735466cecf"

func newBrowser(t *testing.T) *browser {
	t.Helper()
	testutil.NeedTools(t, "chromium", "chromedriver")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("chromedriver", fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	b := &browser{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct{ Ready bool }
		if b.call("GET", "/status", nil, &st) == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("chromedriver did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome", "acceptInsecureCerts": true,
		"goog:chromeOptions": map[string]any{"binary": chromiumBinary(), "args": []string{"--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
			"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("POST", "/session", caps, &sess); err != nil {
		t.Fatalf("new browser session: %v", err)
	}
	b.sid = sess.SessionID
	t.Cleanup(func() { b.call("DELETE", "/session/"+b.sid, nil, nil) })
	// Finding an element waits for it (pages load after a click).
	b.must(b.call("POST", b.session("/timeouts"), map[string]int{"implicit": 5000, "pageLoad": 20000}, nil))
	return b
}

func chromiumBinary() string {
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return "/usr/bin/chromium"
}

// call does one WebDriver request and decodes its "value".
func (b *browser) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %s", method, path, raw)
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, env.Value)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (b *browser) must(err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) session(path string) string { return "/session/" + b.sid + path }

func (b *browser) open(url string) {
	b.must(b.call("POST", b.session("/url"), map[string]string{"url": url}, nil))
}

func (b *browser) url() string {
	var u string
	b.must(b.call("GET", b.session("/url"), nil, &u))
	return u
}

func (b *browser) find(css string) string {
	b.t.Helper()
	var el map[string]string
	if err := b.call("POST", b.session("/element"), map[string]string{"using": "css selector", "value": css}, &el); err != nil {
		b.t.Fatalf("find %s: %v", css, err)
	}
	return el[elementKey]
}

func (b *browser) count(css string) int {
	var els []map[string]string
	b.must(b.call("POST", b.session("/elements"), map[string]string{"using": "css selector", "value": css}, &els))
	return len(els)
}

// text reads an element's text, looking it up again while a navigation
// replaces the page under it.
func (b *browser) text(css string) string {
	b.t.Helper()
	var s string
	var err error
	for range 50 {
		if err = b.call("GET", b.session("/element/"+b.find(css)+"/text"), nil, &s); err == nil {
			return s
		}
		if !strings.Contains(err.Error(), "stale element") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("text of %s: %v", css, err)
	return ""
}

func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.must(b.call("POST", b.session("/element/"+b.find(css)+"/value"), map[string]string{"text": text}, nil))
}

func (b *browser) click(css string) {
	b.t.Helper()
	b.must(b.call("POST", b.session("/element/"+b.find(css)+"/click"), map[string]any{}, nil))
}

func (b *browser) exec(script string, out any) {
	b.t.Helper()
	b.must(b.call("POST", b.session("/execute/sync"), map[string]any{"script": script, "args": []any{}}, out))
}

// waitText waits until an element's text contains want (a click may still
// be navigating) and returns the text.
func (b *browser) waitText(css, want string) string {
	b.t.Helper()
	var got string
	for range 100 {
		var els []map[string]string
		if b.call("POST", b.session("/elements"), map[string]string{"using": "css selector", "value": css}, &els) == nil && len(els) > 0 {
			if b.call("GET", b.session("/element/"+els[0][elementKey]+"/text"), nil, &got) == nil && strings.Contains(got, want) {
				return got
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s never contained %q; last text:\n%s", css, want, got)
	return ""
}

// waitURL waits until the browser's URL satisfies ok.
func (b *browser) waitURL(ok func(string) bool) string {
	b.t.Helper()
	var u string
	for range 100 {
		if u = b.url(); ok(u) {
			return u
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("browser stayed at %s", u)
	return ""
}
