package input

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

const twoHosts = `{"cascade_graph": 1,
"nodes": [
  {"id": "host:a", "kind": "host"},
  {"id": "host:b", "kind": "host"},
  {"id": "release:r", "kind": "release", "digests": {"sha256": "aa"}}
]}`

// TestBadInput: every refusal names the file, where, and why.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		want             []string
	}{
		{"edge ends before it starts", "g.json", `{"cascade_graph": 1, "edges": [
  {"kind": "reaches", "from": "host:a", "to": "host:b", "valid_from": "2023-01-02", "valid_until": "2023-01-01"}]}`,
			[]string{"g.json:2: $.edges[0]", "ends (2023-01-01T00:00:00Z) before it starts"}},
		{"unknown node", "g.json", `{"cascade_graph": 1, "edges": [
  {"kind": "reaches", "from": "host:a", "to": "host:zz"}]}`,
			[]string{"g.json:2: $.edges[0]", `node "host:zz", which no input declares`}},
		{"conflicting kinds", "g.json", `{"cascade_graph": 1, "nodes": [
  {"id": "host:a", "kind": "release"}]}`,
			[]string{"g.json:2: $.nodes[0]", "conflicting declarations", "kind"}},
		{"conflicting digests", "g.json", `{"cascade_graph": 1, "nodes": [
  {"id": "release:other", "kind": "release", "digests": {"sha256": "AA"}}]}`,
			[]string{"$.nodes[0]", `digest sha256:aa, which "release:r"`, "conflicting declarations"}},
		{"wrong endpoints", "g.json", `{"cascade_graph": 1, "edges": [
  {"kind": "ran", "from": "release:r", "to": "host:a"}]}`,
			[]string{"$.edges[0]", "a ran edge cannot go from release"}},
		{"unknown key", "g.json", `{"cascade_graph": 1, "edges": [{"kind": "reaches", "from": "host:a", "to": "host:b", "since": "x"}]}`,
			[]string{"g.json:1: $.edges[0]", `unknown field "since"`}},
		{"bad time", "g.json", `{"cascade_graph": 1, "edges": [{"kind": "reaches", "from": "host:a", "to": "host:b", "valid_from": "yesterday"}]}`,
			[]string{"$.edges[0]", "valid_from", `"yesterday"`}},
		{"confidence out of range", "d.csv", "from,to,confidence\nhost:a,host:b,1.5\n",
			[]string{"d.csv:2", "confidence 1.5"}},
		{"csv unknown column", "d.csv", "from,to,when\nhost:a,host:b,x\n",
			[]string{"d.csv:1", `unknown column "when"`}},
		{"csv unknown node", "d.csv", "from,to\nhost:a,host:b\nhost:a,host:c\n",
			[]string{"d.csv:3", `"host:c", which no input declares`}},
		{"delivery of unknown release", "l.csv", "release,customer,delivered_at\nrelease:nope,org:x,2023-01-01\n",
			[]string{"l.csv:2", `"release:nope", which no input declares`}},
		{"delivery json without date", "l.json", `[{"release": "release:r", "customer": "org:x"}]`,
			[]string{"l.json:1: $[0]", "needs release, customer and delivered_at"}},
		{"provenance wrong type", "p.json", `{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://example.com/x", "subject": [], "predicate": {}}`,
			[]string{"p.json:1: attestation 1", "predicateType"}},
		{"provenance unknown builder", "p.json", `{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
  "subject": [{"name": "r", "digest": {"sha256": "aa"}}], "predicate": {"runDetails": {"builder": {"id": "https://ci.example/x"}}}}`,
			[]string{"p.json:1: attestation 1", "builder.id", `"https://ci.example/x" names no host`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := cascade.NewBuilder()
			if err := LoadGraph("base.json", []byte(twoHosts), b); err != nil {
				t.Fatal(err)
			}
			err := load(tc.file, []byte(tc.data), b)
			if err == nil {
				_, err = b.Build()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// load picks the reader by the test file's name.
func load(name string, data []byte, b *cascade.Builder) error {
	switch {
	case strings.HasPrefix(name, "g"):
		return LoadGraph(name, data, b)
	case strings.HasPrefix(name, "d"):
		return LoadDeclaredCSV(name, data, b)
	case strings.HasPrefix(name, "l"):
		return LoadDeliveries(name, data, b)
	}
	return Provenance{}.LoadBytes(name, data, b)
}

// TestCycle: A reaches B reaches A is a graph like any other; the trace
// ends and reports each node once.
func TestCycle(t *testing.T) {
	b := cascade.NewBuilder()
	if err := LoadGraph("base.json", []byte(twoHosts), b); err != nil {
		t.Fatal(err)
	}
	if err := LoadDeclaredCSV("d.csv", []byte("from,to,valid_from\nhost:a,host:b,2023-01-01\nhost:b,host:a,2022-01-01\n"), b); err != nil {
		t.Fatal(err)
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	r, err := cascade.Trace(context.Background(), g, cascade.Options{Seeds: []cascade.Seed{{Node: "host:b", Time: mustTime("2022-06-01")}}, At: mustTime("2024-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Reached()
	if len(got) != 2 || got[1].Node.ID != "host:a" || !got[1].Time.Equal(mustTime("2022-06-01")) {
		t.Fatalf("reached %+v", got)
	}
}

func mustTime(s string) time.Time {
	t, err := ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}
