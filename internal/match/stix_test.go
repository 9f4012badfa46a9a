package match

import (
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func stixSet(t *testing.T, patterns map[string]string) *Set {
	t.Helper()
	in := &intel.Intel{Sources: []intel.Source{{ID: "s", Name: "s"}}}
	for id, p := range patterns {
		in.Indicators = append(in.Indicators, intel.Indicator{ID: id, Type: intel.STIX, Pattern: p, Score: 75, Sources: []string{"s"}})
	}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSTIXSingleObservation(t *testing.T) {
	s := stixSet(t, map[string]string{
		"xt":   `[url:value MATCHES '^https?://download\\.tradingtechnologies\\.com/.*[Xx]_[Tt][Rr][Aa][Dd][Ee][Rr]']`,
		"hash": `[file:hashes.'SHA-256' = 'aa' OR file:hashes.MD5 = '74bc2d0b6680faa1a5a76b27e5479cbc']`,
		"sw":   `[software:name = '3CX Desktop App' AND software:version = '18.12.416']`,
		"big":  `[file:size > 1000000 AND file:name LIKE '%.msi']`,
	})
	when := time.Date(2022, 4, 12, 14, 3, 58, 0, time.UTC)
	tests := []struct {
		name string
		find func() ([]string, bool)
		want string
	}{
		{"download url", func() ([]string, bool) {
			f, ok := s.ArtifactFinding("h", &snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://download.tradingtechnologies.com/trading/X_TRADER/X_TRADER_r7.17.90p608.exe", LastSeen: &when}, at)
			return ids(f), ok
		}, "xt"},
		{"other download", func() ([]string, bool) {
			f, ok := s.ArtifactFinding("h", &snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://download.tradingtechnologies.com/docs/manual.pdf"}, at)
			return ids(f), ok
		}, ""},
		{"hash by md5", func() ([]string, bool) {
			f, ok := s.FileFinding("h", &snapshot.File{Path: `C:\x\ffmpeg.dll`, MD5: "74bc2d0b6680faa1a5a76b27e5479cbc"}, at)
			return ids(f), ok
		}, "hash"},
		{"software and version", func() ([]string, bool) {
			f, ok := s.SoftwareFinding("h", &snapshot.Software{Name: "3CX Desktop App", Version: "18.12.416"}, at)
			return ids(f), ok
		}, "sw"},
		{"software other version", func() ([]string, bool) {
			f, ok := s.SoftwareFinding("h", &snapshot.Software{Name: "3CX Desktop App", Version: "18.12.422"}, at)
			return ids(f), ok
		}, ""},
		{"unkeyed pattern on every row", func() ([]string, bool) {
			f, ok := s.FileFinding("h", &snapshot.File{Path: `/dl/setup.msi`, Size: 2000000}, at)
			return ids(f), ok
		}, "big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.find()
			if ok != (tt.want != "") || (ok && got[0] != tt.want) {
				t.Errorf("got %v (%v), want %q", got, ok, tt.want)
			}
		})
	}
}

func TestSTIXMultiObservation(t *testing.T) {
	s := stixSet(t, map[string]string{
		"pair": `[file:hashes.'SHA-256' = 'aaaa'] AND [domain-name:value = 'msstorageboxes.com']`,
	})
	file := snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`, SHA256: "aaaa"}
	visit := snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "https://msstorageboxes.com/x"}
	both := &snapshot.Snapshot{Host: snapshot.Host{Name: "h", CollectedAt: at}, Files: []snapshot.File{file}, Artifacts: []snapshot.Artifact{visit}}
	fs := s.Match(both)
	if len(fs) != 1 || fs[0].Reasons[0].IndicatorID != "pair" || fs[0].Evidence.Path != file.Path {
		t.Fatalf("findings = %+v", fs)
	}
	onlyFile := &snapshot.Snapshot{Host: both.Host, Files: []snapshot.File{file}}
	if fs := s.Match(onlyFile); len(fs) != 0 {
		t.Errorf("one half of the pattern matched alone: %+v", fs)
	}
}

// TestHistoryKinds maps multi-observation patterns to the kinds of a
// host's history a hunt must load for them.
func TestHistoryKinds(t *testing.T) {
	s := stixSet(t, map[string]string{
		"pair":     `[file:hashes.'SHA-256' = 'aaaa'] AND [domain-name:value = 'msstorageboxes.com']`,
		"install":  `[url:value = 'https://x.example/setup.exe'] FOLLOWEDBY [software:name = 'X_TRADER']`,
		"products": `[software:name = 'a'] AND [software:name = 'b']`,
		"process":  `[process:name = 'a'] AND [process:name = 'b']`, // nothing is seen as a process
		"one":      `[file:hashes.'SHA-256' = 'aaaa']`,              // single observation: not a history's
	})
	type kinds struct{ files, software, artifacts bool }
	for _, tc := range []struct {
		only []string
		want kinds
	}{
		{nil, kinds{true, true, true}},
		{[]string{"pair"}, kinds{true, false, true}},
		{[]string{"install"}, kinds{false, true, true}},
		{[]string{"products"}, kinds{false, true, false}},
		{[]string{"process"}, kinds{}},
		{[]string{"one"}, kinds{}},
	} {
		var only map[string]bool
		if tc.only != nil {
			only = map[string]bool{}
			for _, id := range tc.only {
				only[id] = true
			}
		}
		var got kinds
		got.files, got.software, got.artifacts = s.HistoryKinds(only)
		if got != tc.want {
			t.Errorf("HistoryKinds(%v) = %+v, want %+v", tc.only, got, tc.want)
		}
	}
}

// TestMatchHistory evaluates multi-observation patterns over items that
// were on a host at different times: each item is observed from first to
// last seen, so an AND holds across time and FOLLOWEDBY follows the
// order the items appeared in.
func TestMatchHistory(t *testing.T) {
	s := stixSet(t, map[string]string{
		"pair":  `[file:hashes.'SHA-256' = 'aaaa'] AND [domain-name:value = 'msstorageboxes.com']`,
		"order": `[domain-name:value = 'msstorageboxes.com'] FOLLOWEDBY [file:hashes.'SHA-256' = 'aaaa']`,
		"other": `[file:hashes.'SHA-256' = 'bbbb'] AND [domain-name:value = 'msstorageboxes.com']`,
		"one":   `[file:hashes.'SHA-256' = 'aaaa']`, // single observation: not MatchHistory's
	})
	day := func(n int) time.Time { return at.Add(time.Duration(n) * 24 * time.Hour) }
	file := snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`, SHA256: "aaaa"}
	visit := snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, URL: "https://msstorageboxes.com/x"}
	office := snapshot.Software{Name: "Office", Version: "16"}
	ids := func(hits []HistoryHit) map[string]int {
		out := map[string]int{}
		for _, h := range hits {
			out[h.Finding.Reasons[0].IndicatorID] = h.Item
		}
		return out
	}
	tests := []struct {
		name  string
		items []HistoryItem
		only  map[string]bool
		want  map[string]int // indicator → the item cited
	}{
		{"visit, then the file", []HistoryItem{
			{Software: &office, First: day(0), Last: day(9)},
			{Artifact: &visit, First: day(1), Last: day(1)},
			{File: &file, First: day(5), Last: day(9)},
		}, nil, map[string]int{"pair": 2, "order": 1}},
		{"the file, gone before the visit", []HistoryItem{
			{File: &file, First: day(0), Last: day(2)},
			{Artifact: &visit, First: day(5), Last: day(5)},
		}, nil, map[string]int{"pair": 0}},
		{"only the pair asked for", []HistoryItem{
			{Artifact: &visit, First: day(1), Last: day(1)},
			{File: &file, First: day(5), Last: day(9)},
		}, map[string]bool{"pair": true}, map[string]int{"pair": 1}},
		{"half of it", []HistoryItem{{File: &file, First: day(0), Last: day(9)}}, nil, map[string]int{}},
	}
	for _, tc := range tests {
		got := ids(s.MatchHistory("h", tc.items, tc.only))
		if len(got) != len(tc.want) {
			t.Errorf("%s: hits %v, want %v", tc.name, got, tc.want)
			continue
		}
		for id, item := range tc.want {
			if g, ok := got[id]; !ok || g != item {
				t.Errorf("%s: %s cites item %d (found %v), want %d", tc.name, id, g, ok, item)
			}
		}
	}
	if m := s.MultiIndicators(); len(m) != 3 {
		t.Errorf("multi indicators %v, want pair, order, other", m)
	}
}

// TestSTIXPatternProblems: a pattern that cannot be evaluated against an
// item (a data error) or exceeds its limits is counted per indicator, not
// dropped as a no-match, and taken once.
func TestSTIXPatternProblems(t *testing.T) {
	s := stixSet(t, map[string]string{
		"data":  `[file:name > t'2020-01-01T00:00:00Z']`,
		"multi": `[url:value LIKE '%'] FOLLOWEDBY [domain-name:value = 'a.example']`,
		"fine":  `[file:name = 'a.dll']`,
	})
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "h", CollectedAt: at},
		Files:     []snapshot.File{{Path: `C:\x\a.dll`}, {Path: `C:\x\b.dll`}, {Path: `C:\x\c.dll`}},
		Artifacts: []snapshot.Artifact{{Kind: snapshot.ArtifactBrowserVisit, URL: "https://a.example/", Domain: "a.example"}}}
	if fs := s.Match(snap); len(fs) != 1 || ids(fs[0])[0] != "fine" {
		t.Errorf("findings %v", fs)
	}
	got := s.TakePatternProblems()
	if len(got) != 1 || got[0].Indicator != "data" || got[0].Count != 3 || !strings.Contains(got[0].Err, "timestamp") {
		t.Errorf("problems %+v", got)
	}
	if again := s.TakePatternProblems(); len(again) != 0 {
		t.Errorf("problems taken twice: %+v", again)
	}

	defer func(l stixpattern.Limits) { stixpattern.DefaultLimits = l }(stixpattern.DefaultLimits)
	stixpattern.DefaultLimits = stixpattern.Limits{MaxPlanNodes: 1, MaxSteps: 1, MaxFlowWork: 1}
	s = stixSet(t, map[string]string{"multi": `[url:value LIKE '%'] FOLLOWEDBY [domain-name:value = 'a.example']`})
	if fs := s.Match(snap); len(fs) != 0 {
		t.Errorf("findings over the limits %v", fs)
	}
	got = s.TakePatternProblems()
	if len(got) != 1 || got[0].Indicator != "multi" || got[0].Count != 1 || !strings.Contains(got[0].Err, "too complex") {
		t.Errorf("problems over the limits %+v", got)
	}
}
