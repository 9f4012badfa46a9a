package collect

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// fakeRules matches files containing "EVIL", fails files containing
// "SLOW" as a timed-out rule would, and counts what it is given.
type fakeRules struct {
	fp          string
	max         int64
	calls, seen atomic.Int64
}

func (r *fakeRules) Fingerprint() string { return r.fp }
func (r *fakeRules) MaxSize() int64      { return r.max }
func (r *fakeRules) Scan(ctx context.Context, data []byte, rec *snapshot.File) ([]snapshot.YARAMatch, error) {
	r.calls.Add(1)
	r.seen.Add(int64(len(data)))
	if bytes.Contains(data, []byte("SLOW")) {
		return nil, fmt.Errorf("rules took too long: %w", context.DeadlineExceeded)
	}
	if i := bytes.Index(data, []byte("EVIL")); i >= 0 {
		return []snapshot.YARAMatch{{Rule: "evil", Namespace: "ns", Indicator: "ns",
			Strings: []snapshot.YARAStringMatch{{Name: "$e", Offset: int64(i), Length: 4, Data: "EVIL"}}}}, nil
	}
	return nil, nil
}

func TestRulesReadOnceAndCached(t *testing.T) { bothWalkers(t, testRulesReadOnceAndCached) }

func testRulesReadOnceAndCached(t *testing.T) {
	root := t.TempDir()
	big := strings.Repeat("0123456789abcdef", (3*readBufSize)/16+7) + "EVIL"
	files := map[string]string{
		"small/evil.txt": "an EVIL thing",
		"small/fine.txt": "nothing here",
		"big/evil.bin":   big,
		"pe/evil.dll":    fakePE("...EVIL..."),
		"huge/evil.bin":  big + strings.Repeat("z", 100), // over MaxSize
		"slow/slow.txt":  "SLOW EVIL",
	}
	var total int64
	for rel, content := range files {
		write(t, root, rel, content)
		if !strings.HasPrefix(rel, "huge/") {
			total += int64(len(content))
		}
	}
	total += int64(len(files["huge/evil.bin"])) // hashed, not scanned
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	run := func(r *fakeRules) *snapshot.Snapshot {
		t.Helper()
		c, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		s := collectDir(t, root, Options{Digests: Digests{SHA256: true}, Cache: c, Rules: r, Workers: 2})
		if err := c.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	r1 := &fakeRules{fp: "a", max: int64(len(big)) + 10}
	first := run(r1)
	if first.Stats.BytesHashed != total {
		t.Errorf("first scan read %d bytes, want each file once: %d", first.Stats.BytesHashed, total)
	}
	if got, want := r1.seen.Load(), total-int64(len(files["huge/evil.bin"])); got != want {
		t.Errorf("scanner saw %d bytes, want %d", got, want)
	}
	recs := byPath(first)
	rec := func(rel string) snapshot.File {
		for p, f := range recs {
			if strings.HasSuffix(p, "/"+rel) {
				return f
			}
		}
		t.Fatalf("no record of %s", rel)
		return snapshot.File{}
	}
	for rel, content := range files {
		f := rec(rel)
		if f.SHA256 != sum(content) {
			t.Errorf("%s: sha256 %s, want %s", rel, f.SHA256, sum(content))
		}
		want := strings.Contains(content, "EVIL") && !strings.HasPrefix(rel, "huge/") && !strings.HasPrefix(rel, "slow/")
		if got := len(f.YARA) == 1; got != want {
			t.Errorf("%s: YARA %+v, want a match: %v", rel, f.YARA, want)
		}
	}
	if f := rec("big/evil.bin"); len(f.YARA) == 1 && f.YARA[0].Strings[0].Offset != int64(len(big)-4) {
		t.Errorf("big file match at %d, want %d", f.YARA[0].Strings[0].Offset, len(big)-4)
	}
	if first.Skipped[SkipRulesTooLarge] != 1 || first.Skipped[SkipRulesFailed] != 1 {
		t.Errorf("skipped %v, want one too large and one failed", first.Skipped)
	}
	if len(first.Errors) != 1 || first.Errors[0].Stage != "yara" || !strings.HasSuffix(first.Errors[0].Path, "slow.txt") {
		t.Errorf("errors %+v, want the slow file's", first.Errors)
	}

	// The same rules again: nothing is read but the file whose scan
	// timed out (not cached, so tried again); the matches come from the cache.
	r2 := &fakeRules{fp: "a", max: r1.max}
	second := run(r2)
	if slow := int64(len(files["slow/slow.txt"])); second.Stats.BytesHashed != slow || r2.seen.Load() != slow {
		t.Errorf("second scan read %d bytes, scanned %d, want only the timed-out file's %d", second.Stats.BytesHashed, r2.seen.Load(), slow)
	}
	for p, f := range byPath(second) {
		if len(f.YARA) != len(recs[p].YARA) {
			t.Errorf("%s: cached YARA %+v, first %+v", p, f.YARA, recs[p].YARA)
		}
	}

	// Other rules: everything is read again.
	r3 := &fakeRules{fp: "b", max: r1.max}
	third := run(r3)
	if third.Stats.BytesHashed != total || r3.calls.Load() != int64(len(files)-1) {
		t.Errorf("new rules: read %d bytes (want %d), %d scans", third.Stats.BytesHashed, total, r3.calls.Load())
	}
}

func TestRulesWithoutDigests(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a", "EVIL")
	r := &fakeRules{fp: "a", max: 1 << 20}
	s := collectDir(t, root, Options{Rules: r})
	if len(s.Files) != 1 || len(s.Files[0].YARA) != 1 || s.Files[0].SHA256 != "" {
		t.Fatalf("files %+v", s.Files)
	}
}
