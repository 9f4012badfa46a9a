package intel

import "testing"

func TestMergeKeepsIncidentsApartAndSourcesTogether(t *testing.T) {
	a := &Intel{Indicators: []Indicator{{ID: "a1", Type: Domain, Value: "journalide.org", Incident: "3cx-2023", Sources: []string{"s1"}, Score: 80}}}
	b := &Intel{Indicators: []Indicator{
		{ID: "b1", Type: Domain, Value: "JOURNALIDE.org", Incident: "3cx-2023", Sources: []string{"s2"}, Score: 90},
		{ID: "b2", Type: Domain, Value: "journalide.org", Incident: "xtrader-2022", Sources: []string{"s2"}, Score: 80},
	}}
	a.Merge(b)
	if len(a.Indicators) != 2 {
		t.Fatalf("got %d indicators, want 2 (one per incident)", len(a.Indicators))
	}
	got := a.Indicators[0]
	if len(got.Sources) != 2 || got.Score != 90 || got.ID != "a1" {
		t.Errorf("merged = %+v, want both sources and the higher score", got)
	}
}
