package hivelog_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog/hivelogtest"
)

const limit = 64 << 20

// pair is a hive before and after changes: the empty template and the
// SOFTWARE hive that testdata/fixtures/windows.sh merges into a copy of it
// (three 4096-byte pages differ).
func pair(t testing.TB) (before, after []byte) {
	t.Helper()
	var err error
	if before, err = os.ReadFile("../testdata/minimal.hive"); err != nil {
		t.Fatal(err)
	}
	if after, err = os.ReadFile("../testdata/seed/software.hive"); err != nil {
		t.Fatal(err)
	}
	return before, after
}

// bins returns a hive's hive bins data as its base block sizes it.
func bins(t testing.TB, h []byte) []byte {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(h[40:]))
	if 4096+n > len(h) {
		t.Fatalf("hive bins size %d past the %d-byte hive", n, len(h))
	}
	return h[4096 : 4096+n]
}

func logs(l1, l2 []byte) []hivelog.Log {
	return []hivelog.Log{{Name: "NTUSER.DAT.LOG1", Data: l1}, {Name: "NTUSER.DAT.LOG2", Data: l2}}
}

func TestRecover(t *testing.T) {
	before, after := pair(t)
	if bytes.Equal(bins(t, before), bins(t, after)) {
		t.Fatal("fixture hives do not differ")
	}
	dirty := func(p hivelogtest.Plan) (primary, l1, l2 []byte) {
		primary, l1, l2, err := hivelogtest.Dirty(before, after, p)
		if err != nil {
			t.Fatal(err)
		}
		return primary, l1, l2
	}
	tests := []struct {
		name     string
		build    func() ([]byte, []hivelog.Log)
		complete bool   // the result is after
		applied  int    // entries or pages applied
		from     string // names of the logs used, joined by ","
		left     string // text expected among Result.Left ("" for none)
	}{
		{"one entry in LOG1", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 7, Entries: 1})
			return p, logs(l1, l2)
		}, true, 1, "NTUSER.DAT.LOG1", ""},
		{"entries across both logs after a stale one", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 100, Entries: 3, InLog2: 1, Stale: true})
			return p, logs(l1, l2)
		}, true, 3, "NTUSER.DAT.LOG1,NTUSER.DAT.LOG2", ""},
		{"logs given LOG2 first", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 100, Entries: 3, InLog2: 2, Stale: true})
			return p, []hivelog.Log{{Name: "b.LOG2", Data: l2}, {Name: "a.LOG1", Data: l1}}
		}, true, 3, "b.LOG2,a.LOG1", ""},
		{"LOG2 missing", func() ([]byte, []hivelog.Log) {
			p, l1, _ := dirty(hivelogtest.Plan{Seq: 100, Entries: 3, InLog2: 1})
			return p, logs(l1, nil)
		}, false, 2, "NTUSER.DAT.LOG1", ""},
		{"torn second entry", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 100, Entries: 3, InLog2: 0})
			size := binary.LittleEndian.Uint32(l1[512+4:])
			l1[512+int(size)+4096] ^= 1 // a byte of the second entry's pages
			return p, logs(l1, l2)
		}, false, 1, "NTUSER.DAT.LOG1", "Hash-1"},
		{"no logs", func() ([]byte, []hivelog.Log) {
			p, _, _ := dirty(hivelogtest.Plan{Seq: 5, Entries: 1})
			return p, nil
		}, false, 0, "", "no transaction log"},
		{"only an empty .LOG", func() ([]byte, []hivelog.Log) {
			p, _, _ := dirty(hivelogtest.Plan{Seq: 5, Entries: 1})
			return p, []hivelog.Log{{Name: "NTUSER.DAT.LOG"}}
		}, false, 0, "", "no transaction log"},
		{"every entry already written", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 5, Entries: 2})
			setSeqs(p, 9, 8)
			return p, logs(l1, l2)
		}, false, 0, "", "predates"},
		{"first entries missing (partial reconcile)", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 50, Entries: 2})
			setSeqs(p, 52, 47)
			return p, logs(l1, l2)
		}, true, 2, "NTUSER.DAT.LOG1", "entries 47 to 49"},
		{"primary base block checksum wrong", func() ([]byte, []hivelog.Log) {
			p, l1, l2 := dirty(hivelogtest.Plan{Seq: 100, Entries: 2, InLog2: 1})
			p[508] ^= 0xff
			return p, logs(l1, l2)
		}, true, 2, "NTUSER.DAT.LOG1,NTUSER.DAT.LOG2", ""},
		{"a log that is not one", func() ([]byte, []hivelog.Log) {
			p, l1, _ := dirty(hivelogtest.Plan{Seq: 100, Entries: 1})
			return p, logs(l1, []byte("not a log at all"))
		}, true, 1, "NTUSER.DAT.LOG1", "not a transaction log"},
		{"old format", func() ([]byte, []hivelog.Log) {
			p, l, err := hivelogtest.DirtyOld(before, after, 30)
			if err != nil {
				t.Fatal(err)
			}
			return p, []hivelog.Log{{Name: "NTUSER.DAT.LOG", Data: l}}
		}, true, -1, "NTUSER.DAT.LOG", ""},
		{"old format from another write", func() ([]byte, []hivelog.Log) {
			p, l, err := hivelogtest.DirtyOld(before, after, 30)
			if err != nil {
				t.Fatal(err)
			}
			p[12] ^= 1 // last-written time
			hivelog.SetChecksum(p)
			return p, []hivelog.Log{{Name: "NTUSER.DAT.LOG", Data: l}}
		}, false, 0, "", "last-written times differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			primary, lg := tt.build()
			orig := bytes.Clone(primary)
			got, res, err := hivelog.Recover(primary, lg, limit)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(primary, orig) {
				t.Error("Recover changed its input")
			}
			t.Log(res)
			if !res.Dirty {
				t.Fatal("a dirty hive reported clean")
			}
			if tt.applied >= 0 && res.Applied != tt.applied || tt.applied < 0 && res.Applied == 0 {
				t.Errorf("applied %d, want %d", res.Applied, tt.applied)
			}
			if f := strings.Join(res.From, ","); f != tt.from {
				t.Errorf("from %q, want %q", f, tt.from)
			}
			left := strings.Join(res.Left, "\n")
			if tt.left == "" && left != "" || !strings.Contains(left, tt.left) {
				t.Errorf("left %q, want %q", left, tt.left)
			}
			if same := bytes.Equal(bins(t, got), bins(t, after)); same != tt.complete {
				t.Errorf("recovered hive equals the after state: %v, want %v", same, tt.complete)
			}
			if res.Applied > 0 && hivelog.NeedsRecovery(got) {
				t.Error("recovered hive still needs recovery")
			}
			if res.Applied == 0 && !bytes.Equal(got, primary) {
				t.Error("nothing applied, yet the hive changed")
			}
		})
	}
}

func setSeqs(b []byte, s1, s2 uint32) {
	binary.LittleEndian.PutUint32(b[4:], s1)
	binary.LittleEndian.PutUint32(b[8:], s2)
	hivelog.SetChecksum(b)
}

func TestRecoverClean(t *testing.T) {
	_, after := pair(t)
	got, res, err := hivelog.Recover(after, nil, limit)
	if err != nil || res.Dirty || &got[0] != &after[0] {
		t.Fatalf("clean hive: dirty=%v err=%v copied=%v", res.Dirty, err, &got[0] != &after[0])
	}
	if _, _, err := hivelog.Recover([]byte("nope"), nil, limit); err == nil {
		t.Error("a non-hive recovered without an error")
	}
}

// TestRecoverLimit: a log entry that would grow the hive past the limit is
// not applied.
func TestRecoverLimit(t *testing.T) {
	before, after := pair(t)
	p, l1, l2, err := hivelogtest.Dirty(before, after, hivelogtest.Plan{Seq: 3, Entries: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, res, err := hivelog.Recover(p, logs(l1, l2), len(after)-4096)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 0 || len(got) != len(p) || !strings.Contains(strings.Join(res.Left, ";"), "limit") {
		t.Fatalf("over the limit: applied %d, %d bytes, left %q", res.Applied, len(got), res.Left)
	}
}

// FuzzRecover feeds arbitrary hives and logs to Recover: it must not panic,
// must keep to its limit, and a hive it applied anything to must be clean.
func FuzzRecover(f *testing.F) {
	before, after := pair(f)
	p, l1, l2, err := hivelogtest.Dirty(before, after, hivelogtest.Plan{Seq: 9, Entries: 2, InLog2: 1, Stale: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p, l1, l2)
	po, lo, err := hivelogtest.DirtyOld(before, after, 4)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(po, lo, []byte(nil))
	for _, dir := range []string{"testdata/yarp/NewDirtyHive1/NewDirtyHive", "testdata/yarp/OldDirtyHive/OldDirtyHive"} {
		h, e1 := os.ReadFile(dir)
		w1, e2 := os.ReadFile(dir + ".LOG1")
		w2, e3 := os.ReadFile(dir + ".LOG2")
		if err := errors.Join(e1, e2, e3); err != nil {
			f.Fatal(err)
		}
		f.Add(h, w1, w2) // logs written by Windows
	}
	const fuzzLimit = 1 << 20
	f.Fuzz(func(t *testing.T, hive, log1, log2 []byte) {
		if len(hive) > fuzzLimit {
			return
		}
		got, res, err := hivelog.Recover(hive, logs(log1, log2), fuzzLimit)
		if err != nil {
			return
		}
		if len(got) > fuzzLimit {
			t.Fatalf("%d bytes, over the %d limit", len(got), fuzzLimit)
		}
		if res.Applied > 0 && hivelog.NeedsRecovery(got) {
			t.Fatal("recovered hive still dirty")
		}
		_ = res.String()
	})
}
