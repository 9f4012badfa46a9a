package match

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
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
