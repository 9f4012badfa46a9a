package intelcsv

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestWrite(t *testing.T) {
	in := &intel.Intel{
		Incidents: []intel.Incident{{ID: "i", Name: "Incident, with comma", Actors: []string{"a"}}},
		Actors:    []intel.Actor{{ID: "a", Name: "UNC4736"}},
		Indicators: []intel.Indicator{
			{ID: "d", Type: intel.Domain, Value: "journalide.org", Score: 80, Incident: "i", Description: "=HYPERLINK(\"x\")\nline 2",
				Sources: []string{"s1", "s2"}},
			{ID: "p", Type: intel.STIX, Pattern: "[file:name = 'a\"b']", PatternType: "stix", Score: 60, Description: "-1+1"},
		},
	}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[1]) != len(Header) {
		t.Fatalf("rows = %q", rows)
	}
	want := map[string]string{"incident_name": "Incident, with comma", "actors": "UNC4736", "sources": "s1; s2",
		"description": "'=HYPERLINK(\"x\")\nline 2"}
	for i, h := range Header {
		if w, ok := want[h]; ok && rows[1][i] != w {
			t.Errorf("%s = %q, want %q", h, rows[1][i], w)
		}
	}
	if rows[2][3] != "[file:name = 'a\"b']" || rows[2][9] != "'-1+1" {
		t.Errorf("row 2 = %q", rows[2])
	}
}
