package windows

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog/hivelogtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestDirtyHiveLogs: the logs beside a dirty hive are found without regard
// to case and applied; logs that cannot be read are named in the note.
func TestDirtyHiveLogs(t *testing.T) {
	before := []byte(readFile(t, "testdata/minimal.hive"))
	after := []byte(readFile(t, "testdata/seed/software.hive"))
	primary, log1, log2, err := hivelogtest.Dirty(before, after, hivelogtest.Plan{Seq: 20, Entries: 2, InLog2: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, all1, _, err := hivelogtest.Dirty(before, after, hivelogtest.Plan{Seq: 20, Entries: 2})
	if err != nil {
		t.Fatal(err)
	}
	oldPrimary, oldLog, err := hivelogtest.DirtyOld(before, after, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The reverse: the hive file holds the entries, its log empties the key.
	fullPrimary, emptyLog, _, err := hivelogtest.Dirty(after, before, hivelogtest.Plan{Seq: 30, Entries: 1})
	if err != nil {
		t.Fatal(err)
	}
	const dir = "Windows/System32/config/"
	tests := []struct {
		name    string
		primary []byte
		files   fstest.MapFS
		records int
		note    string
		stage   string
	}{
		{"logs in lower case", primary, fstest.MapFS{dir + "software.log1": {Data: log1}, dir + "software.log2": {Data: log2}},
			5, "2 log entries applied (sequence numbers 20 to 21) from software.log1, software.log2", recoverStage},
		{"LOG2 unreadable", primary, fstest.MapFS{dir + "SOFTWARE.LOG1": {Data: all1}, dir + "SOFTWARE.LOG2/x": {}},
			5, "2 log entries applied (sequence numbers 20 to 21) from SOFTWARE.LOG1; transaction log " +
				dir + "SOFTWARE.LOG2: not a regular file", stage},
		{"Windows 7 .LOG", oldPrimary, fstest.MapFS{dir + "SOFTWARE.LOG": {Data: oldLog}, dir + "SOFTWARE.LOG1": {}},
			5, "dirty pages applied from SOFTWARE.LOG", recoverStage},
		{"log removes entries", fullPrimary, fstest.MapFS{dir + "SOFTWARE.LOG1": {Data: emptyLog}},
			0, "the logs remove 7-Zip 23.01 (x64) 23.01, Beispiel Buchhaltung 2024 24.1.0, Notepad++ (64-bit x64) 8.6, " +
				"Example C++ Runtime Minimum (x64) 14.38.33130, VLC media player 3.0.20", recoverStage},
		{"no logs", primary, fstest.MapFS{}, 0, "no transaction log could be applied", stage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.files[softwareRel] = &fstest.MapFile{Data: tt.primary}
			env := &collect.Env{FS: tt.files, OS: "windows"}
			sink := &memSink{}
			if err := New().CollectPath(t.Context(), env, softwareRel, sink); err != nil {
				t.Fatal(err)
			}
			if len(sink.Software) != tt.records {
				t.Errorf("%d records, want %d", len(sink.Software), tt.records)
			}
			if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, tt.note) || sink.Errors[0].Stage != tt.stage {
				t.Errorf("errors %+v, want one at stage %s containing %q", sink.Errors, tt.stage, tt.note)
			}
		})
	}
}

func TestDescribeChanges(t *testing.T) {
	sw := func(src, name, version string) snapshot.Software {
		return snapshot.Software{Source: src, Name: name, Version: version}
	}
	var many []snapshot.Software
	for i := range 12 {
		many = append(many, sw(fmt.Sprint("k", i), "App", fmt.Sprint(i)))
	}
	tests := []struct {
		name          string
		before, after []snapshot.Software
		want          string
	}{
		{"same", []snapshot.Software{sw("a", "A", "1")}, []snapshot.Software{sw("a", "A", "1")}, ""},
		{"all kinds",
			[]snapshot.Software{sw("a", "A", "1"), sw("b", "B", "1"), sw("c", "C", "")},
			[]snapshot.Software{sw("a", "A", "2"), sw("d", "3CX Desktop App", "18.12.407"), sw("b", "B", "1")},
			"the logs add 3CX Desktop App 18.12.407; change A 1 to A 2; remove C"},
		{"capped", nil, many, "the logs add App 0, App 1, App 2, App 3, App 4, App 5, App 6, App 7, App 8, App 9 and 2 more"},
	}
	for _, tt := range tests {
		if got := describeChanges(tt.before, tt.after); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
