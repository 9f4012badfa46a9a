package match

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestWarninglistSuppression(t *testing.T) {
	in := &intel.Intel{
		Indicators: []intel.Indicator{
			{ID: "gh", Type: intel.Domain, Value: "githubusercontent.com", Score: 70, Sources: []string{"s"}},
			{ID: "c2", Type: intel.Domain, Value: "journalide.org", Score: 90, Sources: []string{"s"}},
			{ID: "dns", Type: intel.IP, Value: "8.8.8.8", Score: 60, Sources: []string{"s"}},
		},
		Warninglists: []intel.Warninglist{
			{Name: "popular hosts", Kind: intel.WarnHostname, Entries: []string{"githubusercontent.com"}},
			{Name: "public resolvers", Kind: intel.WarnCIDR, Types: []intel.Type{intel.IP}, Entries: []string{"8.8.8.0/24"}},
		},
	}
	set, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		art        snapshot.Artifact
		suppressed string
	}{
		{"listed host", snapshot.Artifact{Kind: "dns", Domain: "raw.githubusercontent.com"}, "warninglist popular hosts"},
		{"listed address", snapshot.Artifact{Kind: "dns", IP: "8.8.8.8"}, "warninglist public resolvers"},
		{"c2 not listed", snapshot.Artifact{Kind: "dns", Domain: "journalide.org"}, ""},
	}
	for _, tt := range tests {
		f, ok := set.ArtifactFinding("h", &tt.art, at)
		if !ok {
			t.Fatalf("%s: no finding", tt.name)
		}
		if f.Suppressed != tt.suppressed {
			t.Errorf("%s: suppressed %q, want %q", tt.name, f.Suppressed, tt.suppressed)
		}
	}
}
