package hivelog_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"www.velocidex.com/golang/regparser"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
)

// TestWindowsLogs replays transaction logs written by Windows (yarp's test
// hives, see testdata/yarp/README.md) and compares the result with the hive
// as Windows itself recovered it.
func TestWindowsLogs(t *testing.T) {
	tests := []struct {
		dir, hive string
		windows   string // Windows' own recovered hive, "" for none
		sameBins  bool   // hive bins data byte for byte as Windows wrote it
		applied   int
		first     uint32
		last      uint32
		from      string
	}{
		{"NewDirtyHive1", "NewDirtyHive", "RecoveredHive_Windows10", true, 4, 2, 5, "NewDirtyHive.LOG1,NewDirtyHive.LOG2"},
		// yarp's own test: only LOG2 applies, ending at sequence number 5.
		{"NewDirtyHive2", "NewDirtyHive", "", false, 3, 3, 5, "NewDirtyHive.LOG2"},
		{"OldDirtyHive", "OldDirtyHive", "RecoveredHive_Windows7", false, 64, 0, 0, "OldDirtyHive.LOG1"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "yarp", tt.dir)
			primary := read(t, filepath.Join(dir, tt.hive))
			var ls []hivelog.Log
			for _, ext := range []string{".LOG1", ".LOG2"} {
				ls = append(ls, hivelog.Log{Name: tt.hive + ext, Data: read(t, filepath.Join(dir, tt.hive+ext))})
			}
			got, res, err := hivelog.Recover(primary, ls, limit)
			if err != nil {
				t.Fatal(err)
			}
			if res.Applied != tt.applied || res.FirstSeq != tt.first || res.LastSeq != tt.last || strings.Join(res.From, ",") != tt.from {
				t.Fatalf("Recover: %s; want %d applied (%d to %d) from %s", res, tt.applied, tt.first, tt.last, tt.from)
			}
			if hivelog.NeedsRecovery(got) {
				t.Error("recovered hive is still dirty")
			}
			if tt.windows == "" {
				return
			}
			want := read(t, filepath.Join(dir, tt.windows))
			if tt.sameBins && !bytes.Equal(bins(t, got), bins(t, want)) {
				t.Error("hive bins data differ from the hive Windows recovered")
			}
			if g, w := dump(t, got), dump(t, want); g != w {
				t.Errorf("keys and values differ from the hive Windows recovered:\ngot:\n%.2000s\nwant:\n%.2000s", g, w)
			}
			hivexSame(t, got, filepath.Join(dir, tt.windows))
		})
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dump lists every key path and value (name, type, data) of a hive, sorted,
// as read by regparser (not by our own hive reader).
func dump(t *testing.T, hive []byte) string {
	t.Helper()
	reg, err := regparser.NewRegistry(bytes.NewReader(hive))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var walk func(k *regparser.CM_KEY_NODE, path string)
	walk = func(k *regparser.CM_KEY_NODE, path string) {
		lines = append(lines, path)
		for _, v := range k.Values() {
			d := v.ValueData()
			lines = append(lines, fmt.Sprintf("%s\t%q\t%d\t%s", path, v.ValueName(), d.Type, hex.EncodeToString(d.Data)))
		}
		for _, s := range k.Subkeys() {
			walk(s, path+`\`+s.Name())
		}
	}
	walk(reg.OpenKey(`\`), "")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// hivexSame compares hivexregedit's exports of the recovered hive and of
// Windows' own, when Debian's hivex is installed.
func hivexSame(t *testing.T, got []byte, windows string) {
	t.Helper()
	if _, err := exec.LookPath("hivexregedit"); err != nil {
		t.Log("hivexregedit not installed: hivex comparison skipped")
		return
	}
	mine := filepath.Join(t.TempDir(), "recovered")
	if err := os.WriteFile(mine, got, 0o600); err != nil {
		t.Fatal(err)
	}
	export := func(name string) []byte {
		out, err := exec.Command("hivexregedit", "--export", name, `\`).Output()
		if err != nil {
			t.Fatalf("hivexregedit --export %s: %v", name, err)
		}
		return out
	}
	if !bytes.Equal(export(mine), export(windows)) {
		t.Error("hivexregedit exports of the recovered hive and of Windows' own differ")
	}
}
