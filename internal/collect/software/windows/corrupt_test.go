package windows

import (
	"context"
	"encoding/binary"
	"math/rand"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const softwareRel = "Windows/System32/config/SOFTWARE"

// collectBytes runs the collector over one SOFTWARE hive with these bytes.
func collectBytes(t *testing.T, c *Collector, data []byte) *memSink {
	t.Helper()
	env := &collect.Env{FS: fstest.MapFS{softwareRel: {Data: data}}, OS: "windows"}
	sink := &memSink{}
	if err := c.CollectPath(context.Background(), env, softwareRel, sink); err != nil {
		t.Fatalf("CollectPath returned %v; a bad hive must be recorded, not returned", err)
	}
	return sink
}

// uninstallKey opens the native Uninstall key of a SOFTWARE hive.
func uninstallKey(t *testing.T, data []byte) *key {
	t.Helper()
	h, err := openHive(data)
	if err != nil {
		t.Fatal(err)
	}
	root, err := h.root()
	if err != nil {
		t.Fatal(err)
	}
	u, err := root.open(uninstallPath...)
	if u == nil {
		t.Fatalf("no Uninstall key: %v", err)
	}
	return u
}

func entry(t *testing.T, u *key, name string) *key {
	t.Helper()
	e, err := u.child(name)
	if e == nil {
		t.Fatalf("no entry %s: %v", name, err)
	}
	return e
}

func put32(b []byte, off int64, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

func TestCorruptHives(t *testing.T) {
	seed := []byte(readFile(t, "testdata/seed/software.hive"))
	tests := []struct {
		name    string
		mutate  func(t *testing.T, b []byte) []byte
		records int    // software still reported
		errWant string // text in the one recorded error
	}{
		{"intact", func(t *testing.T, b []byte) []byte { return b }, 5, ""},
		{"empty file", func(t *testing.T, b []byte) []byte { return nil }, 0, "too short"},
		{"header only", func(t *testing.T, b []byte) []byte { return b[:hbinStart] }, 0, "too short"},
		{"truncated", func(t *testing.T, b []byte) []byte { return b[:hbinStart+0x800] }, 0, "truncated"},
		{"bad magic", func(t *testing.T, b []byte) []byte { copy(b, "rexf"); return b }, 0, "registry magic"},
		{"no hive bin", func(t *testing.T, b []byte) []byte { copy(b[hbinStart:], "xbin"); return b }, 0, "hive bin"},
		{"bad root cell", func(t *testing.T, b []byte) []byte { put32(b, 0x24, 0x7ffffff0); hivelog.SetChecksum(b); return b }, 0, "outside"},
		{"dirty", func(t *testing.T, b []byte) []byte { put32(b, 4, 99); return b }, 5, "dirty"},
		{"index root lists itself", func(t *testing.T, b []byte) []byte {
			off := uninstallKey(t, b).nk.SubKeyLists()[0]
			p := hbinStart + int64(off) + 4
			copy(b[p:], "ri")
			binary.LittleEndian.PutUint16(b[p+2:], 1)
			put32(b, p+4, off)
			return b
		}, 1, "not a subkey index"},
		{"huge value data", func(t *testing.T, b []byte) []byte {
			v, _ := entry(t, uninstallKey(t, b), "7-Zip").values()
			put32(b, v["displayname"].start+4, 0x7fffffff)
			return b
		}, 4, "over the cap"},
		{"huge value count", func(t *testing.T, b []byte) []byte {
			nk := entry(t, uninstallKey(t, b), "7-Zip").nk
			put32(b, nk.Offset+nk.Profile.Off_CM_KEY_NODE_ValueList, 0xffffffff)
			return b
		}, 4, "over the cap"},
		{"huge subkey count", func(t *testing.T, b []byte) []byte {
			nk := uninstallKey(t, b).nk
			put32(b, nk.Offset+nk.Profile.Off_CM_KEY_NODE_SubKeyCounts, 0xfffffff)
			return b
		}, 1, "over the cap"},
		{"key name too long", func(t *testing.T, b []byte) []byte {
			nk := entry(t, uninstallKey(t, b), "7-Zip").nk
			binary.LittleEndian.PutUint16(b[nk.Offset+nk.Profile.Off_CM_KEY_NODE_NameLength:], 600)
			return b
		}, 4, "longer than Windows allows"},
		{"value points outside", func(t *testing.T, b []byte) []byte {
			v, _ := entry(t, uninstallKey(t, b), "Notepad++").values()
			put32(b, v["displayversion"].start+8, 0xfffff000)
			return b
		}, 5, "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.mutate(t, append([]byte(nil), seed...))
			sink := collectBytes(t, New(), data)
			if len(sink.Software) != tt.records {
				t.Errorf("%d records, want %d: %+v", len(sink.Software), tt.records, sink.Software)
			}
			if tt.errWant == "" {
				if len(sink.Errors) != 0 {
					t.Errorf("errors: %+v", sink.Errors)
				}
				return
			}
			if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, tt.errWant) {
				t.Fatalf("errors %+v, want one containing %q", sink.Errors, tt.errWant)
			}
			if e := sink.Errors[0]; e.Path != softwareRel || e.Stage != stage {
				t.Errorf("error recorded as %q at %q, want %q at %q", e.Stage, e.Path, stage, softwareRel)
			}
		})
	}
}

// TestBudgets: a hive that needs more work than the budget allows ends with
// one error, keeping what was read before.
func TestBudgets(t *testing.T) {
	seed := []byte(readFile(t, "testdata/seed/software.hive"))
	tests := []struct {
		name         string
		cells, bytes int
	}{
		{"cells", 40, maxDecoded},
		{"bytes", maxCells, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(c, b int) { cellBudget, byteBudget = c, b }(cellBudget, byteBudget)
			cellBudget, byteBudget = tt.cells, tt.bytes
			sink := collectBytes(t, New(), seed)
			if len(sink.Software) >= 5 || len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, "budget") {
				t.Errorf("%d records, errors %+v; want fewer than 5 and one budget error", len(sink.Software), sink.Errors)
			}
		})
	}
}

func TestHiveSizeCap(t *testing.T) {
	c := New()
	c.maxHiveSize = 8192
	sink := collectBytes(t, c, []byte(readFile(t, "testdata/seed/software.hive")))
	if len(sink.Software) != 0 || len(sink.Errors) != 1 || sink.Errors[0].Stage != "read" ||
		!strings.Contains(sink.Errors[0].Err, "cap") {
		t.Fatalf("software %d, errors %+v; want one read error about the cap", len(sink.Software), sink.Errors)
	}
}

// TestMutatedHives flips bytes of the seed hives at random (with a fixed
// seed) and parses them without the panic guard: a panic in this package
// fails the test instead of being turned into an error.
func TestMutatedHives(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	seeds := []string{"testdata/seed/software.hive", "testdata/seed/ntuser.hive", "testdata/seed/system.hive"}
	for _, name := range seeds {
		seed := []byte(readFile(t, name))
		for i := 0; i < 300; i++ {
			b := append([]byte(nil), seed...)
			for n := 1 + rng.Intn(8); n > 0; n-- {
				b[hbinStart+rng.Intn(len(b)-hbinStart)] = byte(rng.Intn(256))
			}
			parseAll(b)
		}
	}
}

func TestSafelyRecovers(t *testing.T) {
	err := safely(func() error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("safely = %v, want the panic as an error", err)
	}
}
