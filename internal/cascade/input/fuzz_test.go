package input

import (
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// fuzzBuild loads data with load on top of the two-host base and builds:
// neither may panic, and a built graph holds what was declared.
func fuzzBuild(t *testing.T, load func(*cascade.Builder) error) {
	b := cascade.NewBuilder()
	if err := LoadGraph("base.json", []byte(twoHosts), b); err != nil {
		t.Fatal(err)
	}
	if load(b) != nil {
		return
	}
	g, err := b.Build()
	if err != nil {
		return
	}
	if _, ok := g.Node("host:a"); !ok {
		t.Fatal("built graph lost a declared node")
	}
}

func seedFile(f *testing.F, path string) {
	if data, err := os.ReadFile(path); err == nil {
		f.Add(data)
	}
}

func FuzzGraphFile(f *testing.F) {
	seedFile(f, "../testdata/3cx/graph.json")
	f.Add([]byte(`{"cascade_graph": 1, "edges": [{"kind": "reaches", "from": "host:a", "to": "host:b", "valid_from": "2023-01-01"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBuild(t, func(b *cascade.Builder) error { return LoadGraph("f.json", data, b) })
	})
}

func FuzzDeclaredCSV(f *testing.F) {
	seedFile(f, "../testdata/3cx/declared.csv")
	f.Add([]byte("from,to,kind,valid_from,valid_until,confidence\nhost:a,host:b,reaches,2022-01-01,2023-01-01,0.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBuild(t, func(b *cascade.Builder) error { return LoadDeclaredCSV("f.csv", data, b) })
	})
}

func FuzzDeliveries(f *testing.F) {
	seedFile(f, "../testdata/3cx/deliveries.csv")
	f.Add([]byte(`[{"release": "release:r", "customer": "org:x", "delivered_at": "2023-01-01"}]`))
	f.Add([]byte("release,customer,delivered_at\nrelease:r,org:x,2023-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBuild(t, func(b *cascade.Builder) error { return LoadDeliveries("f", data, b) })
	})
}

func FuzzProvenance(f *testing.F) {
	seedFile(f, "../testdata/3cx/provenance.intoto.jsonl")
	seedFile(f, "../testdata/3cx/tampered.intoto.jsonl")
	f.Add([]byte(`{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
  "subject": [{"name": "r", "digest": {"sha256": "aa"}}], "predicate": {"runDetails": {"builder": {"id": "host:a"},
  "metadata": {"startedOn": "2023-01-01T00:00:00Z", "finishedOn": "2023-01-01T01:00:00Z"}}}}`))
	key, err := LoadPublicKey("../testdata/3cx/signing-pub.pem")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Provenance{Key: key, KeyName: "test"}
		fuzzBuild(t, func(b *cascade.Builder) error { return p.LoadBytes("f.jsonl", data, b) })
	})
}
