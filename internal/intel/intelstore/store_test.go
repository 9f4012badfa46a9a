package intelstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportLoadRemove(t *testing.T) {
	s := Open(filepath.Join(t.TempDir(), "store"))
	if in, err := s.Load(); err != nil || len(in.Indicators) != 0 {
		t.Fatalf("empty store: %v %v", in, err)
	}
	bundle := "../stix/testdata/3cx-bundle.json"
	r, err := s.Import(bundle, ImportOptions{})
	if err != nil || r.Existing || r.Entry.Format != "stix" || r.Entry.Indicators != 8 { // two domains in one exact-equality pattern count once
		t.Fatalf("import: %+v %v", r, err)
	}
	if r2, err := s.Import(bundle, ImportOptions{}); err != nil || !r2.Existing {
		t.Errorf("re-import: %+v %v", r2, err)
	}
	if _, err := s.Import("../misp/testdata/feed", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	in, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	// akamaicontainer.com: in the bundle (one incident) and in both feed
	// events: one indicator per incident, each with its sources (the
	// bundle's is a STIX equality pattern, docs/intel-stix-misp.md).
	n := 0
	for _, ind := range in.Indicators {
		if ind.Value == "akamaicontainer.com" || strings.Contains(ind.Pattern, "'akamaicontainer.com'") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("akamaicontainer.com %d times, want 3", n)
	}
	entries, _ := s.Entries()
	if len(entries) != 2 {
		t.Fatalf("entries %+v", entries)
	}
	if _, err := s.Remove("feed"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, entries[1].Path)); !os.IsNotExist(err) {
		t.Errorf("removed document still on disk: %v", err)
	}
	if _, err := s.Remove("nope"); err == nil {
		t.Error("removing a missing entry succeeded")
	}
}

func TestImportRejectsBadAndReplaces(t *testing.T) {
	s := Open(t.TempDir())
	bad := filepath.Join(t.TempDir(), "iocs.json")
	os.WriteFile(bad, []byte(`[{"type":"indicator","id":"indicator--1","pattern":"[file:name = 'x'"}]`), 0o644)
	if _, err := s.Import(bad, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "iocs.json") {
		t.Errorf("bad import: %v", err)
	}
	if e, _ := s.Entries(); len(e) != 0 {
		t.Errorf("bad file entered the store: %v", e)
	}
	v1 := `[{"type":"indicator","id":"indicator--1","pattern":"[domain-name:value = 'a.example']","valid_from":"2023-01-01T00:00:00Z"}]`
	os.WriteFile(bad, []byte(v1), 0o644)
	if _, err := s.Import(bad, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, []byte(strings.ReplaceAll(v1, "a.example", "b.example")), 0o644)
	r, err := s.Import(bad, ImportOptions{Replace: true})
	if err != nil || len(r.Replaced) != 1 {
		t.Fatalf("replace: %+v %v", r, err)
	}
	in, _ := s.Load()
	if len(in.Indicators) != 1 || !strings.Contains(in.Indicators[0].Pattern, "b.example") {
		t.Errorf("after replace: %+v", in.Indicators)
	}
}

// TestImportFormatLabel: the format recorded for a document comes from all
// of it, not its first 4 KiB (a warninglist names itself after its list).
func TestImportFormatLabel(t *testing.T) {
	s := Open(filepath.Join(t.TempDir(), "store"))
	r, err := s.Import("../load/testdata/realworld/warninglist-akamai.json", ImportOptions{})
	if err != nil || r.Entry.Format != "misp-warninglist" {
		t.Fatalf("import: %+v %v", r, err)
	}
}
