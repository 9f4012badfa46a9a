package stix

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

func exportLoad(t *testing.T, in *intel.Intel) (*intel.Intel, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, in, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := Load("packs.stix.json", buf.Bytes())
	if err != nil {
		t.Fatalf("load exported bundle: %v", err)
	}
	return back, buf.Bytes()
}

// TestPacksRoundTrip exports every built-in pack and loads the bundle
// back: the model must come back record for record.
func TestPacksRoundTrip(t *testing.T) {
	in, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	back, raw := exportLoad(t, in)
	if len(back.Warnings) > 0 {
		t.Errorf("warnings: %v", back.Warnings)
	}
	same(t, "sources", in.Sources, back.Sources)
	same(t, "incidents", in.Incidents, back.Incidents)
	same(t, "actors", in.Actors, back.Actors)
	same(t, "advisories", in.Advisories, back.Advisories)
	same(t, "indicators", in.Indicators, back.Indicators)
	var again bytes.Buffer
	if err := Export(&again, back, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again.Bytes()) {
		t.Error("exporting the loaded bundle again gives different bytes")
	}
}

func same[T any](t *testing.T, what string, a, b []T) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d before, %d after", what, len(a), len(b))
	}
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			ja, _ := json.Marshal(a[i])
			jb, _ := json.Marshal(b[i])
			t.Errorf("%s %d differs:\nbefore %s\nafter  %s", what, i, ja, jb)
			return
		}
	}
}
