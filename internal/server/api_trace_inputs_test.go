package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func postInput(t *testing.T, x *testServer, token, kind, name string, body []byte) (int, fleet.TraceInputResult, string) {
	t.Helper()
	u := x.ts.URL + fleet.APIVersion + "/trace/inputs?" + url.Values{"kind": {kind}, "name": {name}}.Encode()
	code, resp := rawRequest(t, "POST", u, token, body, map[string]string{"Content-Type": "application/octet-stream"})
	var res fleet.TraceInputResult
	if code == 201 {
		if err := json.Unmarshal([]byte(resp), &res); err != nil {
			t.Fatal(err)
		}
	}
	return code, res, resp
}

func fixture3CX(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../cascade/testdata/3cx/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTraceInputsStored keeps declared edges, a delivery list, a provenance
// key and SLSA provenance on the server; every trace uses them, bad and
// conflicting ones are refused with the reason, unverified attestations
// are kept with a warning, and a deleted input leaves the graph.
func TestTraceInputsStored(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x := threeCXOver(t, open())
		analyst := x.token(t, fleet.TokenAnalyst, nil)
		fwd := fleet.TraceRequest{At: "2023-04-20", Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}}}

		if code, _, body := postInput(t, x, analyst, fleet.InputDeclared, "a.csv", []byte("x")); code != 403 {
			t.Fatalf("analyst adds an input: %d %s", code, body)
		}
		code, del, body := postInput(t, x, x.admin, fleet.InputDeliveries, "update-server.csv",
			[]byte("release,customer,delivered_at,ref\nrelease:3cxdesktopapp@18.12.416,org:globex,2023-03-09,update server log\n"))
		if code != 201 || del.Input.ID == 0 || del.Input.Size == 0 {
			t.Fatalf("deliveries: %d %s", code, body)
		}
		code, _, body = postInput(t, x, x.admin, fleet.InputDeclared, "it-access.csv",
			// A cycle (umbrella reaches acme reaches umbrella): traced, no hang.
			[]byte("from,to,kind,valid_from\nhost:umbrella-ws-01,host:acme-ws-11,reaches,2022-12-01\nhost:acme-ws-11,host:umbrella-ws-01,reaches,2022-12-01\n"))
		if code != 201 {
			t.Fatalf("declared: %d %s", code, body)
		}
		code, body = postTrace(t, x, analyst, "json", fwd)
		if code != 200 || !strings.Contains(body, `"org:globex"`) {
			t.Errorf("a stored delivery list is not used: %d", code)
		}
		code, body = postTrace(t, x, analyst, "table", fleet.TraceRequest{At: "2023-04-20", Seeds: []fleet.TraceSeed{{Node: "host:umbrella-ws-01", Time: "2022-12-02"}}})
		if code != 200 || !strings.Contains(body, "host:acme-ws-11") {
			t.Errorf("stored declared edges are not used: %d\n%s", code, body)
		}

		// Bad input is refused and explained; nothing is kept.
		for _, tc := range []struct{ kind, name, body, want string }{
			{fleet.InputDeclared, "conflict.json", `{"cascade_graph": 1, "nodes": [{"id": "host:dev-pc-07", "kind": "release"}], "edges": []}`,
				"conflicting declarations"},
			{fleet.InputDeclared, "digest.json", `{"cascade_graph": 1, "nodes": [{"id": "release:3cxdesktopapp@18.12.416", "kind": "release", "digests": {"sha256": "09f9387e161528e88bb07d4f18f9d78e1021b2972c5d1c9eb673c0166f7b792a"}}], "edges": []}`,
				"conflicting declarations"},
			{fleet.InputDeclared, "backwards.csv", "from,to,kind,valid_from,valid_until\nhost:dev-pc-07,host:acme-ws-11,reaches,2023-01-01,2022-01-01\n", "new input (declared backwards.csv)"},
			{fleet.InputDeclared, "unknown.csv", "from,to,kind,valid_from\nhost:it-admin-01,host:build-win-02,reaches,2021-06-01\n", "host:it-admin-01"},
			{fleet.InputDeliveries, "it-access.csv", "release,customer,delivered_at\nrelease:nope@1,org:x,2023-01-01\n", "release:nope@1"},
			{"graph", "x.json", "{}", "want one of"},
			{fleet.InputKey, "key.pem", "not pem", "no PEM block"},
		} {
			if code, _, body := postInput(t, x, x.admin, tc.kind, tc.name, []byte(tc.body)); code != 400 || !strings.Contains(body, tc.want) {
				t.Errorf("%s %s: %d %s, want 400 with %q", tc.kind, tc.name, code, body, tc.want)
			}
		}
		if code, _, body := postInput(t, x, x.admin, fleet.InputDeclared, "it-access.csv", []byte("from,to,kind,valid_from\n")); code != 409 {
			t.Errorf("same kind and name again: %d %s", code, body)
		}

		// Provenance: the builder id is declared on the build host; the
		// envelope verifies with the stored key, the tampered copy does not
		// and is kept with a warning, never silently trusted.
		code, _, body = postInput(t, x, x.admin, fleet.InputDeclared, "builders.json", []byte(`{"cascade_graph": 1, "nodes": [{"id": "host:build-win-02", "kind": "host", "name": "build-win-02", "builder_ids": ["https://build-win-02.3cx.internal/jenkins"]}], "edges": []}`))
		if code != 201 {
			t.Fatalf("builders: %d %s", code, body)
		}
		if code, _, body = postInput(t, x, x.admin, fleet.InputKey, "3cx-signing.pem", fixture3CX(t, "signing-pub.pem")); code != 201 {
			t.Fatalf("key: %d %s", code, body)
		}
		if code, _, body = postInput(t, x, x.admin, fleet.InputKey, "second.pem", fixture3CX(t, "signing-pub.pem")); code != 400 || !strings.Contains(body, "a second provenance key") {
			t.Errorf("second key: %d %s", code, body)
		}
		code, bad, body := postInput(t, x, x.admin, fleet.InputProvenance, "tampered.intoto.jsonl", fixture3CX(t, "tampered.intoto.jsonl"))
		if code != 201 || !strings.Contains(strings.Join(bad.Warnings, " "), "unverified") {
			t.Fatalf("tampered provenance: %d %s", code, body)
		}
		// The signed original names the same dependency with another
		// digest: a conflict, explained with both inputs, not merged.
		code, _, body = postInput(t, x, x.admin, fleet.InputProvenance, "msi-416.intoto.jsonl", fixture3CX(t, "provenance.intoto.jsonl"))
		if code != 400 || !strings.Contains(body, "conflicting declarations") || !strings.Contains(body, "stored input") {
			t.Fatalf("conflicting provenance: %d %s", code, body)
		}
		code, body = postTrace(t, x, analyst, "json", fwd)
		if code != 200 || !strings.Contains(body, `"slsa-provenance"`) || !strings.Contains(body, `"unverified": true`) {
			t.Errorf("stored provenance not used, or the tampered copy trusted: %d", code)
		}
		// Without the tampered copy the signed one is kept, verified.
		if code, _ := rawRequest(t, "DELETE", fmt.Sprintf("%s%s/trace/inputs/%d", x.ts.URL, fleet.APIVersion, bad.Input.ID), x.admin, nil, nil); code != 204 {
			t.Fatalf("delete tampered: %d", code)
		}
		code, good, body := postInput(t, x, x.admin, fleet.InputProvenance, "msi-416.intoto.jsonl", fixture3CX(t, "provenance.intoto.jsonl"))
		if code != 201 || strings.Contains(strings.Join(good.Warnings, " "), "unverified") {
			t.Fatalf("signed provenance: %d %s", code, body)
		}
		if code, body = postTrace(t, x, analyst, "json", fwd); code != 200 || !strings.Contains(body, `"slsa-provenance"`) || strings.Contains(body, `"unverified": true`) {
			t.Errorf("signed stored provenance: %d", code)
		}

		code, body = rawRequest(t, "GET", x.ts.URL+fleet.APIVersion+"/trace/inputs", analyst, nil, nil)
		var list struct{ Inputs []fleet.TraceInput }
		if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Inputs) != 5 || strings.Contains(body, "update server log") {
			t.Fatalf("list: %d %s", code, body)
		}
		if code, _ := rawRequest(t, "DELETE", fmt.Sprintf("%s%s/trace/inputs/%d", x.ts.URL, fleet.APIVersion, del.Input.ID), x.admin, nil, nil); code != 204 {
			t.Fatalf("delete: %d", code)
		}
		if code, body = postTrace(t, x, analyst, "json", fwd); code != 200 || strings.Contains(body, `"org:globex"`) {
			t.Errorf("a deleted delivery list is still used: %d", code)
		}
		log, _ := x.s.st.AuditLog(bg, 100, 0)
		adds := 0
		for _, e := range log {
			if e.Action == "trace.input.add" {
				adds++
			}
		}
		if adds != 6 {
			t.Errorf("%d trace.input.add audit entries, want 6", adds)
		}
	})
}

// TestTraceSBOMImported: a CycloneDX SBOM imported through the API makes
// its release depend on its components in every trace, on both engines.
func TestTraceSBOMImported(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		x := threeCXOver(t, open())
		data, err := os.ReadFile("tracegraph/testdata/3cx-416.cdx.json")
		if err != nil {
			t.Fatal(err)
		}
		code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/imports?name=3cx-416.cdx.json", x.admin, data, nil)
		if code != 200 && code != 201 {
			t.Fatalf("import: %d %s", code, body)
		}
		code, body = postTrace(t, x, x.admin, "table", fleet.TraceRequest{At: "2023-04-20", Seeds: []fleet.TraceSeed{{Node: "release:ffmpeg@4.4.3cx", Time: "2022-12-01"}}})
		if code != 200 || !strings.Contains(body, "-depends-on-> release:3cxdesktopapp@18.12.416") || !strings.Contains(body, "host:globex-pbx-02") {
			t.Errorf("trace from the component: %d\n%s", code, body)
		}
	})
}
