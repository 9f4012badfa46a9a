package server

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// threeCXServer is a server over a store holding the 3CX case.
func threeCXServer(t *testing.T) *testServer {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cascade.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return threeCXOver(t, st)
}

func threeCXOver(t *testing.T, st store.Store) *testServer {
	t.Helper()
	if _, err := tg.ThreeCX(bg, st); err != nil {
		t.Fatal(err)
	}
	return newHTTP(t, st, nil)
}

func postTrace(t *testing.T, x *testServer, token, format string, req fleet.TraceRequest) (int, string) {
	t.Helper()
	body, _ := json.Marshal(req)
	u := x.ts.URL + fleet.APIVersion + "/trace"
	if format != "" {
		u += "?format=" + format
	}
	return rawRequest(t, "POST", u, token, body, map[string]string{"Content-Type": "application/json"})
}

// TestTraceThreeCX is the end-to-end case through the API.
func TestTraceThreeCX(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) { checkThreeCX(t, threeCXOver(t, open())) })
}

func checkThreeCX(t *testing.T, x *testServer) {
	analyst := x.token(t, fleet.TokenAnalyst, nil)
	code, body := postTrace(t, x, analyst, "", fleet.TraceRequest{At: "2023-04-20",
		Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}}})
	if code != 200 {
		t.Fatalf("forward: %d %s", code, body)
	}
	var fw struct {
		Trace   struct{ Direction string }
		Reached []struct {
			Node    struct{ ID string }
			Suspect bool
			Path    []struct{ Node string }
		}
	}
	if err := json.Unmarshal([]byte(body), &fw); err != nil {
		t.Fatal(err)
	}
	var suspects []string
	paths := map[string]string{}
	for _, re := range fw.Reached {
		if re.Suspect {
			suspects = append(suspects, re.Node.ID)
		}
		var p []string
		for _, st := range re.Path {
			p = append(p, st.Node)
		}
		paths[re.Node.ID] = strings.Join(p, " ")
	}
	if got := strings.Join(suspects, " "); got != "release:3cxdesktopapp@18.12.407 release:3cxdesktopapp@18.12.416" {
		t.Errorf("suspects %q, want 18.12.407 and 18.12.416 (not 18.12.402)", got)
	}
	for host, via := range map[string]string{"host:acme-ws-11": "18.12.407", "host:globex-pbx-02": "18.12.416", "host:initech-lt-04": "18.12.416"} {
		if p := paths[host]; !strings.HasPrefix(p, "release:x_trader@7.17.90p608 host:dev-pc-07 host:build-win-02 release:3cxdesktopapp@"+via) {
			t.Errorf("%s path %q", host, p)
		}
	}
	code, body = postTrace(t, x, analyst, "", fleet.TraceRequest{At: "2023-04-20", Backwards: true, Seeds: []fleet.TraceSeed{
		{Node: "host:acme-ws-11", Time: "2023-03-29"}, {Node: "host:globex-pbx-02", Time: "2023-03-29"}, {Node: "host:initech-lt-04"}}})
	if code != 200 {
		t.Fatalf("backwards: %d %s", code, body)
	}
	var bw struct {
		PatientZero []struct {
			FirstHost string `json:"first_host"`
			Targets   []string
		} `json:"patient_zero"`
	}
	if err := json.Unmarshal([]byte(body), &bw); err != nil {
		t.Fatal(err)
	}
	if len(bw.PatientZero) == 0 || bw.PatientZero[0].FirstHost != "host:dev-pc-07" || len(bw.PatientZero[0].Targets) != 3 {
		t.Errorf("patient zero %+v, want dev-pc-07 covering the 3 customers\n%s", bw.PatientZero, body)
	}
}

func TestTraceErrors(t *testing.T) {
	x := threeCXServer(t)
	agent, _ := x.enroll(t, "m1")
	seed := []fleet.TraceSeed{{Node: "host:dev-pc-07", Time: "2023-01-01"}}
	tests := []struct {
		name, token, format string
		req                 fleet.TraceRequest
		code                int
		msg                 string
	}{
		{"ok", x.admin, "table", fleet.TraceRequest{Seeds: seed}, 200, "Seeds: host:dev-pc-07"},
		{"dot", x.admin, "dot", fleet.TraceRequest{Seeds: seed}, 200, "digraph"},
		{"agent may not trace", agent.Token, "", fleet.TraceRequest{Seeds: seed}, 403, ""},
		{"unknown seed", x.admin, "", fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "host:nope", Time: "2023-01-01"}}}, 400, `"host:nope" is no node`},
		{"no seed", x.admin, "", fleet.TraceRequest{}, 400, "no seed"},
		{"forward seed without time", x.admin, "", fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "host:dev-pc-07"}}}, 400, "needs the time"},
		{"future at", x.admin, "", fleet.TraceRequest{Seeds: seed, At: "2999-01-01"}, 400, "in the future"},
		{"seed after at", x.admin, "", fleet.TraceRequest{Seeds: seed, At: "2022-06-01"}, 400, "in the future of the trace time"},
		{"bad kind", x.admin, "", fleet.TraceRequest{Seeds: seed, Exclude: []string{"teleports"}}, 400, `unknown edge kind "teleports"`},
		{"bad confidence", x.admin, "", fleet.TraceRequest{Seeds: seed, Confidence: map[string]float64{"ran": 2}}, 400, "confidence ran=2"},
		{"bad skew", x.admin, "", fleet.TraceRequest{Seeds: seed, Skew: "soon"}, 400, `skew "soon"`},
		{"bad format", x.admin, "svg", fleet.TraceRequest{Seeds: seed}, 400, `format "svg"`},
		{"stix backwards", x.admin, "stix", fleet.TraceRequest{Seeds: seed, Backwards: true}, 400, "forward only"},
		{"declared edge to an unknown node", x.admin, "", fleet.TraceRequest{Seeds: seed, Declared: []string{"from,to\nhost:dev-pc-07,host:ghost\n"}}, 400, "host:ghost"},
		{"declared edge followed", x.admin, "table", fleet.TraceRequest{Seeds: seed, Declared: []string{"from,to,valid_from\nhost:dev-pc-07,host:umbrella-ws-01,2023-02-01\n"}}, 200, "host:umbrella-ws-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postTrace(t, x, tc.token, tc.format, tc.req)
			var eb fleet.ErrorBody
			if code != 200 && json.Unmarshal([]byte(body), &eb) == nil {
				body = eb.Error.Message
			}
			if code != tc.code || !strings.Contains(body, tc.msg) {
				t.Errorf("%d %s, want %d with %q", code, body, tc.code, tc.msg)
			}
		})
	}
}

// TestTraceBusy: traces past maxTraces are refused, not queued.
func TestTraceBusy(t *testing.T) {
	x := threeCXServer(t)
	req := fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "host:dev-pc-07", Time: "2023-01-01"}}}
	for range maxTraces {
		x.s.traces <- struct{}{}
	}
	if code, body := postTrace(t, x, x.admin, "", req); code != 503 || !strings.Contains(body, `"busy"`) {
		t.Errorf("with %d traces running: %d %s", maxTraces, code, body)
	}
	<-x.s.traces
	if code, body := postTrace(t, x, x.admin, "", req); code != 200 {
		t.Errorf("with a slot free: %d %s", code, body)
	}
}
