package fleet

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

var at = time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)

func sample() *snapshot.Snapshot {
	return &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: "h", CollectedAt: at},
		Software:  []snapshot.Software{{Name: "A", Version: "1", Source: "s"}, {Name: "B", Version: "1", Source: "s"}},
		Files:     []snapshot.File{{Path: "/a", SHA256: strings.Repeat("ab", 32)}, {Path: "/b", Size: 3, ModTime: at}},
		Artifacts: []snapshot.Artifact{{Kind: "dns-cache", Domain: "example.com", Source: "dns"}}}
}

func TestKeys(t *testing.T) {
	a := snapshot.File{Path: "/a", SHA256: strings.Repeat("AB", 32)}
	b := snapshot.File{Path: "/a", SHA256: strings.Repeat("ab", 32), Size: 99, ModTime: at}
	if FileKey(&a) != FileKey(&b) {
		t.Error("a file's key depends on digest case, size or mtime")
	}
	c := b
	c.Path = "/b"
	if FileKey(&b) == FileKey(&c) {
		t.Error("two paths share a key")
	}
	nd1, nd2 := snapshot.File{Path: "/x", Size: 1, ModTime: at}, snapshot.File{Path: "/x", Size: 1, ModTime: at.Add(time.Second)}
	if FileKey(&nd1) == FileKey(&nd2) {
		t.Error("without digests, a changed mtime must be a new key")
	}
	s1, s2 := snapshot.Software{Name: "A", Version: "1"}, snapshot.Software{Name: "A", Version: "2"}
	if SoftwareKey(&s1) == SoftwareKey(&s2) {
		t.Error("a new version must be a new key")
	}
	// Fields never run together: ("ab","c") differs from ("a","bc").
	x, y := snapshot.Software{Name: "ab", Version: "c"}, snapshot.Software{Name: "a", Version: "bc"}
	if SoftwareKey(&x) == SoftwareKey(&y) {
		t.Error("field boundaries are ambiguous")
	}
	var k Key
	text, _ := FileKey(&a).MarshalText()
	if err := k.UnmarshalText(text); err != nil || k != FileKey(&a) {
		t.Errorf("key round trip: %v", err)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("g", 32), strings.Repeat("a", 31)} {
		if k.UnmarshalText([]byte(bad)) == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}

func TestDeltaAndDigest(t *testing.T) {
	prev, cur := sample(), sample()
	cur.Software = append(cur.Software[1:], snapshot.Software{Name: "C", Version: "1", Source: "s"})
	cur.Files = append(cur.Files, cur.Files[0]) // a repeated record
	Dedup(prev)
	Dedup(cur)
	if len(cur.Files) != 2 {
		t.Fatalf("dedup kept %d files", len(cur.Files))
	}
	d := MakeDelta(prev, cur, "base-1")
	if d.Base != "base-1" || len(d.Snapshot.Software) != 1 || d.Snapshot.Software[0].Name != "C" ||
		len(d.Remove.Software) != 1 || len(d.Snapshot.Files)+len(d.Remove.Files)+len(d.Remove.Artifacts) != 0 {
		t.Fatalf("delta %+v", d)
	}
	// Applying the delta to the previous digest gives the new one.
	dg := StateDigest(prev)
	for _, k := range d.Remove.Software {
		dg.Toggle(k)
	}
	dg.Toggle(SoftwareKey(&d.Snapshot.Software[0]))
	if dg != d.Digest || dg != StateDigest(cur) {
		t.Fatal("delta digest does not follow from the previous state")
	}
	raw, _ := json.Marshal(d)
	var back Delta
	if err := json.Unmarshal(raw, &back); err != nil || back.Digest != d.Digest || back.Remove.Software[0] != d.Remove.Software[0] {
		t.Fatalf("delta JSON round trip: %v", err)
	}
}

func TestValidateSnapshot(t *testing.T) {
	lim := Limits{Software: 10, Files: 10, Artifacts: 10, Errors: 10, String: 64}
	tests := []struct {
		name   string
		change func(*snapshot.Snapshot)
		want   string
	}{
		{"good", func(*snapshot.Snapshot) {}, ""},
		{"schema", func(s *snapshot.Snapshot) { s.Schema = "v0" }, "schema"},
		{"no host id", func(s *snapshot.Snapshot) { s.Host.ID = "" }, "host.id"},
		{"no time", func(s *snapshot.Snapshot) { s.Host.CollectedAt = time.Time{} }, "collected_at"},
		{"future", func(s *snapshot.Snapshot) { s.Host.CollectedAt = at.Add(time.Hour) }, "future"},
		{"too many files", func(s *snapshot.Snapshot) { s.Files = make([]snapshot.File, 11) }, "files: 11 entries exceed"},
		{"long field", func(s *snapshot.Snapshot) { s.Software[0].Name = strings.Repeat("x", 65) }, "limit"},
		{"nul", func(s *snapshot.Snapshot) { s.Files[0].Path = "/a\x00b" }, "NUL"},
		{"bad utf8", func(s *snapshot.Snapshot) { s.Artifacts[0].Domain = "\xff" }, "UTF-8"},
		{"bad digest", func(s *snapshot.Snapshot) { s.Files[0].SHA256 = "abc" }, "sha256"},
		{"nonhex digest", func(s *snapshot.Snapshot) { s.Files[0].MD5 = strings.Repeat("z", 32) }, "hex"},
		{"no name", func(s *snapshot.Snapshot) { s.Software[0].Name = "" }, "name"},
		{"negative size", func(s *snapshot.Snapshot) { s.Files[1].Size = -1 }, "negative"},
	}
	for _, tc := range tests {
		s := sample()
		tc.change(s)
		err := ValidateSnapshot(s, lim, at)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestFindingsCSVDefusesFormulas(t *testing.T) {
	f := Finding{Finding: finding.Finding{ID: "1", Host: "=cmd|' /C calc'!A0", Title: "@SUM(1)", Level: finding.Alert},
		State: StateNew, Present: true}
	var buf bytes.Buffer
	if err := WriteFindingsCSV(&buf, []Finding{f}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 || len(rows[0]) != len(FindingsCSVHeader) {
		t.Fatalf("csv: %v %v", rows, err)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("cell %q starts a formula", cell)
		}
	}
	var table bytes.Buffer
	f.Title = "line\nbreak"
	WriteFindingsTable(&table, []Finding{f}, 1)
	if strings.Count(table.String(), "\n") != 3 {
		t.Errorf("a control character broke the table:\n%s", table.String())
	}
}

// FuzzUpload decodes and validates an upload as the server does: no
// input may panic, and whatever the streaming decoder accepts, the
// standard decoder reads alike.
func FuzzUpload(f *testing.F) {
	good, _ := json.Marshal(&Upload{UploadID: "agent-0123456789", Snapshot: sample()})
	delta, _ := json.Marshal(&Upload{UploadID: "agent-0123456789", Delta: MakeDelta(sample(), sample(), "b")})
	f.Add(good)
	f.Add(delta)
	f.Add([]byte(`{"upload_id":"x","delta":{"remove":{"files":["zz"]}}}`))
	f.Add([]byte(`{"upload_id":"x","snapshot":{"files":[{"path":"a"}],"x":[[[]]]}} {}`))
	lim := DecodeLimits{Limits: DefaultLimits, MaxBytes: 1 << 20, MaxValue: 4 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		up, err := DecodeUpload(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		var std Upload
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		for _, s := range []*snapshot.Snapshot{up.Snapshot, deltaSnap(up.Delta)} {
			if s == nil {
				continue
			}
			if ValidateSnapshot(s, DefaultLimits, at) == nil {
				Dedup(s)
				StateDigest(s)
			}
		}
	})
}

func deltaSnap(d *Delta) *snapshot.Snapshot {
	if d == nil {
		return nil
	}
	return &d.Snapshot
}

// TestFindingsCSVReasons: an anomaly reason is named once, not "kind:kind".
func TestFindingsCSVReasons(t *testing.T) {
	f := Finding{Finding: finding.Finding{ID: "1", Level: finding.Warning, Reasons: []finding.Reason{
		{Kind: "signature-padding", Matched: "signature-padding"}, {Kind: "sha256", Matched: "ab12"}}}}
	var buf bytes.Buffer
	if err := WriteFindingsCSV(&buf, []Finding{f}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][19]; got != "signature-padding | sha256:ab12" {
		t.Errorf("reasons cell %q", got)
	}
}

// TestHostsTableEscapesBidi: a host name with a right-to-left override
// and roles with an isolate are shown escaped in the terminal table.
func TestHostsTableEscapesBidi(t *testing.T) {
	var buf bytes.Buffer
	hs := []Host{{ID: 7, Name: "lab-\u202Eexe.dll", OS: "linux\x1b[2J", Roles: []string{"build\u2066"}}}
	if err := WriteHostsTable(&buf, hs, 1); err != nil {
		t.Fatal(err)
	}
	want := "ID  NAME                 OS                ROLES          LAST SEEN  SOFTWARE  FILES  OPEN FINDINGS  STALE\n" +
		"7   lab-<U+202E>exe.dll  linux<U+001B>[2J  build<U+2066>             0         0      0              false\n" +
		"1 of 1 hosts\n"
	if got := buf.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}
