package server

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestDiffIntel(t *testing.T) {
	base := func() *intel.Intel {
		return &intel.Intel{
			Indicators: []intel.Indicator{
				{ID: "h1", Type: intel.SHA256, Value: "AA00000000000000000000000000000000000000000000000000000000000000", Score: 80},
				{ID: "d1", Type: intel.Domain, Value: "Evil.Example.", Score: 80},
			},
			Advisories: []intel.Advisory{{ID: "a1", Product: "X_TRADER", Aliases: []string{"X TRADER Pro"}, Score: 90,
				Affected: []intel.Affected{{Versions: []string{"7.17.90"}}}}},
		}
	}
	tests := []struct {
		name   string
		change func(*intel.Intel)
		want   HuntSpec
	}{
		{"no change", func(*intel.Intel) {}, HuntSpec{}},
		{"new hash", func(in *intel.Intel) {
			in.Indicators = append(in.Indicators, intel.Indicator{ID: "h2", Type: intel.MD5, Value: "0123456789ABCDEF0123456789ABCDEF"})
		}, HuntSpec{Hashes: map[string][]string{"md5": {"0123456789abcdef0123456789abcdef"}}}},
		{"url, ip, cidr, regex", func(in *intel.Intel) {
			in.Indicators = append(in.Indicators,
				intel.Indicator{ID: "u", Type: intel.URL, Value: "https://raw.githubusercontent.com/IconStorages/images/main/icon%d.ico"},
				intel.Indicator{ID: "i", Type: intel.IP, Value: "::ffff:1.2.3.4"},
				intel.Indicator{ID: "c", Type: intel.IP, Value: "10.0.0.0/8"},
				intel.Indicator{ID: "f", Type: intel.Filename, Value: `\\evil\.exe$`})
		}, HuntSpec{Domains: []string{"raw.githubusercontent.com"}, IPs: []string{"1.2.3.4"}, ScanFiles: true, ScanArtifacts: true}},
		{"stix patterns", func(in *intel.Intel) {
			for i, p := range []string{
				"[software:name = 'X_TRADER' AND software:version = '7.17.90']",
				"[file:name = 'a.exe' AND file:size > 10]",
				"[domain-name:value LIKE '%.evil.example']",
			} {
				in.Indicators = append(in.Indicators, intel.Indicator{ID: fmt.Sprint("s", i), Type: intel.STIX, PatternType: "stix", Pattern: p, Score: 80})
			}
		}, HuntSpec{ScanSoftware: true, ScanFiles: true, ScanArtifacts: true}},
		{"stix pattern over two observations", func(in *intel.Intel) {
			// Row-by-row confirmation cannot see it: each host's history is evaluated.
			in.Indicators = append(in.Indicators, intel.Indicator{ID: "m", Type: intel.STIX, PatternType: "stix",
				Pattern: "[file:name = 'a.exe'] AND [domain-name:value = 'evil.example']", Score: 80})
		}, HuntSpec{Multi: []string{"m"}}},
		{"revoked", func(in *intel.Intel) { in.Indicators[1].Revoked = true }, HuntSpec{Recheck: []string{"d1"}}},
		{"score changed", func(in *intel.Intel) { in.Indicators[1].Score = 40 },
			HuntSpec{Domains: []string{"evil.example"}, Recheck: []string{"d1"}}},
		{"advisory changed", func(in *intel.Intel) { in.Advisories[0].Affected[0].Versions = []string{"7.17.90", "7.17.91"} },
			HuntSpec{Products: []string{"xtrader", "xtraderpro"}, Recheck: []string{"advisory:a1"}}},
		{"advisory removed", func(in *intel.Intel) { in.Advisories = nil }, HuntSpec{Recheck: []string{"advisory:a1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := base()
			tc.change(next)
			got := diffIntel(base(), next)
			tc.want.normalize()
			if !equalSpec(*got, tc.want) {
				t.Errorf("spec = %+v, want %+v", *got, tc.want)
			}
			if got.Empty() != (tc.name == "no change") {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
	// From nothing, every indicator and advisory is new.
	all := diffIntel(&intel.Intel{}, base())
	if len(all.Hashes["sha256"]) != 1 || !slices.Equal(all.Domains, []string{"evil.example"}) || len(all.Products) != 2 || len(all.Recheck) != 0 {
		t.Errorf("initial spec = %+v", *all)
	}
}

func equalSpec(a, b HuntSpec) bool {
	if len(a.Hashes) != len(b.Hashes) {
		return false
	}
	for k, v := range a.Hashes {
		if !slices.Equal(v, b.Hashes[k]) {
			return false
		}
	}
	return slices.Equal(a.Products, b.Products) && slices.Equal(a.Domains, b.Domains) && slices.Equal(a.IPs, b.IPs) &&
		a.ScanFiles == b.ScanFiles && a.ScanArtifacts == b.ScanArtifacts && a.ScanSoftware == b.ScanSoftware &&
		slices.Equal(a.Recheck, b.Recheck) && slices.Equal(a.Multi, b.Multi)
}
