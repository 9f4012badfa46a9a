package output

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/input"
	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// TestSTIXRoundTrip: cascade's own STIX loader accepts the bundle, every
// pattern parses, and the suspect releases' digests come back as indicators.
func TestSTIXRoundTrip(t *testing.T) {
	dir := "../testdata/3cx/"
	g, err := cascade.Load(context.Background(), input.GraphFile{Path: dir + "graph.json"}, input.Deliveries{Path: dir + "deliveries.csv"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2023, 4, 20, 0, 0, 0, 0, time.UTC)
	r, err := cascade.Trace(context.Background(), g, cascade.Options{At: at,
		Seeds: []cascade.Seed{{Node: "host:dev-pc-07", Time: time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := STIX(&buf, r); err != nil {
		t.Fatal(err)
	}
	in, err := stix.Load("bundle.json", buf.Bytes())
	if err != nil {
		t.Fatalf("cascade cannot load its own bundle: %v\n%s", err, buf.String())
	}
	var all strings.Builder
	for _, ind := range in.Indicators {
		all.WriteString(ind.Value + " " + ind.Pattern + "\n")
		if ind.Pattern != "" {
			if _, err := stixpattern.Parse(ind.Pattern); err != nil {
				t.Errorf("pattern %q: %v", ind.Pattern, err)
			}
		}
	}
	// Without the provenance file only 18.12.407 (releases table) and the
	// macOS build are suspect; 18.12.416 has no builder in this graph.
	for _, want := range []string{"1abaa4eb407e8ce64a4cdc512f042916fe1e5bfd1b7d1376fa01d9b6ac45ac5f", "18.12.407"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no indicator holds %s:\n%s", want, all.String())
		}
	}
	if strings.Contains(all.String(), "e277cd8986d74d66") {
		t.Errorf("18.12.402, built before the compromise, has an indicator:\n%s", all.String())
	}
}
