package server

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

const hostile = "<script>alert(1)</script>&\"\u202Egpj.exe"

// uiSignIn returns a client with an analyst session on x.
func uiSignIn(t *testing.T, x *testServer) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(x.ts.URL+"/login", url.Values{"token": {x.token(t, "analyst", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return c
}

func getStatus(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type svgCircle struct {
	kind string
	x, y int
}

// parseSVG checks that the drawing is well-formed XML and returns its
// circles in document order.
func parseSVG(t *testing.T, page string) []svgCircle {
	t.Helper()
	i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if i < 0 || j < i {
		t.Fatal("no svg in the page")
	}
	dec := xml.NewDecoder(strings.NewReader(page[i : j+len("</svg>")]))
	var out []svgCircle
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "circle" {
			var c svgCircle
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "class":
					c.kind = strings.Fields(a.Value)[1]
				case "cx":
					c.x, _ = strconv.Atoi(a.Value)
				case "cy":
					c.y, _ = strconv.Atoi(a.Value)
				}
			}
			out = append(out, c)
		}
	}
}

func TestTracePage(t *testing.T) {
	x := threeCXServer(t)
	if _, err := tg.Load(bg, x.s.st, []tg.Host{{Name: hostile, Snaps: []tg.Snap{
		{At: tg.T("2023-03-15"), Software: []snapshot.Software{tg.SW("3CXDesktopApp", "18.12.416", time.Time{})}}}}}); err != nil {
		t.Fatal(err)
	}
	c := uiSignIn(t, x)
	code, page := getStatus(t, c, x.ts.URL+"/trace?"+url.Values{"from": {"release:x_trader@7.17.90p608@2022-02-01"}, "at": {"2023-04-20"}}.Encode())
	if code != 200 {
		t.Fatalf("trace page: %d\n%s", code, page)
	}
	circles := parseSVG(t, page)
	if len(circles) != 9 { // X_TRADER, dev-pc-07, build-win-02, 2 suspect releases, 3 customers, the hostile host
		t.Errorf("%d nodes drawn, want 9", len(circles))
	}
	for i := 1; i < len(circles); i++ {
		a, b := circles[i-1], circles[i]
		if b.y <= a.y {
			t.Errorf("row %d at y %d after y %d", i, b.y, a.y)
		}
		if a.kind == b.kind && b.x < a.x {
			t.Errorf("%s rows out of time order: x %d after %d", b.kind, b.x, a.x)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "\u202E") {
		t.Error("hostile host name reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(page, "&amp;&#34;&lt;U+202E&gt;gpj.exe") {
		t.Error("hostile host name not shown escaped")
	}
	hops := between(page, `<table id="trace-hops">`, `</table>`)
	for _, want := range []string{"rdp-server", "releases-table", "user dev", "host:build-win-02"} {
		if !strings.Contains(hops, want) {
			t.Errorf("hops table lacks %q", want)
		}
	}
	if !strings.Contains(page, `<title>reaches host:dev-pc-07 → host:build-win-02`) {
		t.Error("no tooltip with the RDP hop's evidence")
	}
	hosts, _, _ := x.s.st.ListHosts(bg, store.HostQuery{Search: "dev-pc-07"})
	if len(hosts) != 1 || !strings.Contains(page, fmt.Sprintf(`<a href="/hosts/%d"><circle class="node host`, hosts[0].ID)) {
		t.Error("dev-pc-07 is not a link to its host page")
	}
	code, page = getStatus(t, c, x.ts.URL+"/trace?from=host:nope@2023-01-01")
	if code != 400 || !strings.Contains(between(page, `id="trace-error">`, `</p>`), "is no node") {
		t.Errorf("unknown seed: %d %s", code, between(page, `id="trace-error">`, `</p>`))
	}
	if code, page = getStatus(t, c, x.ts.URL+"/trace"); code != 200 || strings.Contains(page, "<svg") {
		t.Errorf("empty form: %d", code)
	}
}

// BenchmarkTraceSVG10k lays out and renders a trace that reaches 10,000
// hosts (a binary tree of reaches edges, a minute apart).
func BenchmarkTraceSVG10k(b *testing.B) {
	const n = 10000
	bld := cascade.NewBuilder()
	t0 := tg.T("2023-01-01")
	for i := range n {
		if err := bld.AddNode(cascade.Node{ID: fmt.Sprintf("host:h%05d", i), Kind: cascade.Host}); err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			err := bld.AddEdge(cascade.Edge{Kind: cascade.Reaches, From: fmt.Sprintf("host:h%05d", (i-1)/2), To: fmt.Sprintf("host:h%05d", i),
				Valid: cascade.Interval{From: t0.Add(time.Duration(i) * time.Minute).Unix(), Until: cascade.Never}, Confidence: 0.9,
				Evidence: &cascade.Evidence{Source: "rdp-server", Ref: "bench"}})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	g, err := bld.Build()
	if err != nil {
		b.Fatal(err)
	}
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2024-01-01"), Seeds: []cascade.Seed{{Node: "host:h00000", Time: t0}}})
	if err != nil || r.Count() != n {
		b.Fatalf("%v, %d reached", err, r.Count())
	}
	var buf bytes.Buffer
	n0, c0 := 0, cpuTime()
	for b.Loop() {
		buf.Reset()
		v := layoutTrace(r, nil)
		if err := pages()["trace"].Execute(&buf, map[string]any{"Title": "Trace", "View": v}); err != nil {
			b.Fatal(err)
		}
		n0++
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
	// CPU time (every thread, the collector's too) beside the wall time.
	b.ReportMetric(float64(cpuTime()-c0)/float64(n0), "cpu-ns/op")
}

func TestTracePageBackwards(t *testing.T) {
	x := threeCXServer(t)
	c := uiSignIn(t, x)
	q := url.Values{"from": {"host:acme-ws-11@2023-03-29\nhost:globex-pbx-02\nhost:initech-lt-04"}, "at": {"2023-03-29"}, "backwards": {"1"}}
	code, page := getStatus(t, c, x.ts.URL+"/trace?"+q.Encode())
	pz := between(page, `<table id="trace-patient-zero">`, `</table>`)
	if code != 200 || !strings.Contains(pz, "release:x_trader@7.17.90p608</td><td>host:dev-pc-07</td>") {
		t.Errorf("backwards page: %d\n%s", code, pz)
	}
	if !strings.Contains(pz, "release:x_trader@7.17.90p608 → host:dev-pc-07 → host:build-win-02 → release:3cxdesktopapp@") {
		t.Errorf("no path in the candidates table:\n%s", pz)
	}
}
