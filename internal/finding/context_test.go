package finding

import (
	"testing"
	"time"
)

func TestJoinContext(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2023, 3, d, 0, 0, 0, 0, time.UTC) }
	inc := func(id string) *Incident { return &Incident{ID: id, Name: id} }
	ctx := func(host, incident, path string, since time.Time) Finding {
		return Finding{Host: host, Incident: inc(incident), Score: 30, Evidence: Evidence{Kind: EvidenceFile, Path: path},
			Reasons: []Reason{{Kind: "path", Score: 30, Context: true}}, ExposedSince: since, ExposedBy: "file modified"}
	}
	own := func(host, incident string, score int, since time.Time) Finding {
		return Finding{Host: host, Incident: inc(incident), Score: score, Evidence: Evidence{Kind: EvidenceSoftware},
			Reasons: []Reason{{Kind: "advisory", Score: score}}, ExposedSince: since, ExposedBy: "installed"}
	}
	tests := []struct {
		name    string
		in      []Finding
		want    int   // findings left
		context []int // context entries per finding left
		since   time.Time
	}{
		{"alone stays", []Finding{ctx("a", "3cx", "f", day(5))}, 1, []int{0}, day(5)},
		{"joins affected version", []Finding{ctx("a", "3cx", "f", day(5)), own("a", "3cx", 85, day(8)), ctx("a", "3cx", "g", day(6))}, 1, []int{2}, day(5)},
		{"other host", []Finding{ctx("b", "3cx", "f", day(5)), own("a", "3cx", 85, day(8))}, 2, []int{0, 0}, day(5)},
		{"other incident", []Finding{ctx("a", "xz", "f", day(5)), own("a", "3cx", 85, day(8))}, 2, []int{0, 0}, day(5)},
		{"weak finding does not corroborate", []Finding{ctx("a", "3cx", "f", day(5)), own("a", "3cx", 30, day(8))}, 2, []int{0, 0}, day(5)},
		{"strongest corroborated wins", []Finding{own("a", "3cx", 60, day(9)), ctx("a", "3cx", "f", day(10)), own("a", "3cx", 100, day(8))}, 2, []int{0, 1}, day(9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JoinContext(tt.in)
			if len(got) != tt.want {
				t.Fatalf("%d findings left, want %d", len(got), tt.want)
			}
			for i, f := range got {
				if len(f.Context) != tt.context[i] {
					t.Errorf("finding %d: %d context entries, want %d", i, len(f.Context), tt.context[i])
				}
			}
			if !got[0].ExposedSince.Equal(tt.since) {
				t.Errorf("first finding exposed since %v, want %v", got[0].ExposedSince, tt.since)
			}
		})
	}
}

func TestExpose(t *testing.T) {
	var f Finding
	t1, t2 := time.Date(2022, 4, 12, 14, 3, 0, 0, time.UTC), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Expose(t2, "b")
	f.Expose(time.Time{}, "zero")
	f.Expose(t1, "a")
	f.Expose(t2, "c")
	if !f.ExposedSince.Equal(t1) || f.ExposedBy != "a" {
		t.Errorf("exposed since %v by %q", f.ExposedSince, f.ExposedBy)
	}
}
