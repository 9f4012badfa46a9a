package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakePE is a minimal byte string that carries a PE signature where its
// DOS header points, followed by tail.
func fakePE(tail string) string {
	b := make([]byte, 0x84)
	copy(b, "MZ")
	b[0x3c] = 0x80
	copy(b[0x80:], "PE\x00\x00")
	return string(b) + tail
}

func sum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func collectDir(t *testing.T, root string, opt Options) *snapshot.Snapshot {
	t.Helper()
	src, err := source.Open(root, source.Options{OS: source.Linux})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := Collect(context.Background(), src, opt)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func byPath(s *snapshot.Snapshot) map[string]snapshot.File {
	m := map[string]snapshot.File{}
	for _, f := range s.Files {
		m[f.Path] = f
	}
	return m
}

// bothWalkers runs a test with the system's walker and with the portable
// os.Root one (used on macOS and Windows).
func bothWalkers(t *testing.T, test func(t *testing.T)) {
	t.Run("native", test)
	t.Run("portable", func(t *testing.T) {
		old := openTop
		openTop = openRootDir
		defer func() { openTop = old }()
		test(t)
	})
}

func TestCollectTypesAndDigests(t *testing.T) { bothWalkers(t, testCollectTypesAndDigests) }
func TestCollectSkipsAndErrors(t *testing.T)  { bothWalkers(t, testCollectSkipsAndErrors) }
func TestCollectCacheReadsNothingTheSecondTime(t *testing.T) {
	bothWalkers(t, testCollectCacheReadsNothingTheSecondTime)
}

func testCollectTypesAndDigests(t *testing.T) {
	root := t.TempDir()
	write(t, root, "bin/tool", "\x7fELF\x02\x01\x01rest")
	write(t, root, "win/app.exe", fakePE("pe"))
	write(t, root, "mac/lib.dylib", "\xcf\xfa\xed\xfe\x07\x00\x00\x01mach")
	write(t, root, "mac/fat", "\xca\xfe\xba\xbe\x00\x00\x00\x02fat")
	write(t, root, "java/A.class", "\xca\xfe\xba\xbe\x00\x00\x00\x34class")
	write(t, root, "dl/setup.msi", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1ole")
	write(t, root, "dl/doc.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1ole")
	write(t, root, "dl/a.zip", "PK\x03\x04zip")
	write(t, root, "s/run.sh", "#!/bin/sh\necho hi\n")
	write(t, root, "s/x.ps1", "Write-Host hi")
	write(t, root, "txt/readme", "hello")
	write(t, root, "empty", "")
	snap := collectDir(t, root, Options{Digests: Digests{SHA256: true, MD5: true}})
	want := map[string]string{
		"bin/tool": snapshot.TypeELF, "win/app.exe": snapshot.TypePE, "mac/lib.dylib": snapshot.TypeMachO,
		"mac/fat": snapshot.TypeMachO, "java/A.class": snapshot.TypeOther, "dl/setup.msi": snapshot.TypeMSI,
		"dl/doc.doc": snapshot.TypeOLE, "dl/a.zip": snapshot.TypeZIP, "s/run.sh": snapshot.TypeScript,
		"s/x.ps1": snapshot.TypeScript, "txt/readme": snapshot.TypeOther, "empty": snapshot.TypeOther,
	}
	files := byPath(snap)
	for rel, typ := range want {
		f, ok := files["/"+rel]
		if !ok {
			t.Errorf("%s not collected", rel)
			continue
		}
		if f.Type != typ {
			t.Errorf("%s: type %s, want %s", rel, f.Type, typ)
		}
	}
	readme := files["/txt/readme"]
	if readme.SHA256 != sum("hello") || readme.MD5 != "5d41402abc4b2a76b9719d911017c592" || readme.SHA1 != "" {
		t.Errorf("readme digests = %+v", readme)
	}
	if snap.Stats.FilesHashed != int64(len(want)) || snap.Stats.BytesHashed == 0 {
		t.Errorf("stats = %+v", snap.Stats)
	}
}

func TestCollectLargeFileHashesAcrossBuffers(t *testing.T) {
	root := t.TempDir()
	big := strings.Repeat("0123456789abcdef", (3*readBufSize)/16+7)
	write(t, root, "big.bin", big)
	snap := collectDir(t, root, Options{Digests: Digests{SHA256: true}})
	if got := snap.Files[0].SHA256; got != sum(big) {
		t.Errorf("sha256 = %s, want %s", got, sum(big))
	}
}

func testCollectSkipsAndErrors(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write(t, outside, "secret", "outside the root")
	write(t, root, "ok/file", "x")
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "ok/secretlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(root, "ok/loop")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "big/huge.iso", "0123456789")
	write(t, root, "node_modules/x/index.js", "x")
	write(t, root, "home/u/OneDrive - Contoso/doc.txt", "cloud")
	write(t, root, "home/u/Dropbox/doc.txt", "cloud")
	write(t, root, "bad\xff\xfename/file", "non-utf8 dir name")
	sparse := filepath.Join(root, "sparse.img")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 30); err != nil {
		t.Skipf("cannot make a sparse file here: %v", err)
	}
	f.Close()
	locked := filepath.Join(root, "locked")
	write(t, root, "locked/inner", "x")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })

	snap := collectDir(t, root, Options{Digests: Digests{SHA256: true}, MaxFileSize: 1 << 20,
		Exclude: []string{"node_modules", "*.iso"}})
	files := byPath(snap)
	for p := range files {
		if strings.Contains(p, "secret") || strings.Contains(p, "cloud") || strings.Contains(p, "OneDrive") ||
			strings.Contains(p, "node_modules") || strings.HasSuffix(p, ".iso") {
			t.Errorf("collected %s, which should be skipped", p)
		}
	}
	if f, ok := files["/bad\xff\xfename/file"]; !ok || f.SHA256 != sum("non-utf8 dir name") {
		t.Errorf("non-UTF-8 path not collected: %+v", f)
	}
	sp := files["/sparse.img"]
	if sp.Size != 50<<30 || sp.SHA256 != "" {
		t.Errorf("sparse file = %+v, want listed with size and no digest", sp)
	}
	wantSkips := map[string]int64{SkipSymlink: 3, SkipExcluded: 2, SkipCloudSync: 2, SkipTooLarge: 1}
	if os.Geteuid() != 0 {
		wantSkips[SkipDenied] = 1
	}
	for k, v := range wantSkips {
		if snap.Skipped[k] != v {
			t.Errorf("skipped[%s] = %d, want %d (all: %v)", k, snap.Skipped[k], v, snap.Skipped)
		}
	}
	if os.Geteuid() != 0 && (len(snap.Errors) != 1 || !strings.HasSuffix(snap.Errors[0].Path, "locked")) {
		t.Errorf("errors = %+v, want the locked directory", snap.Errors)
	}
}

func testCollectCacheReadsNothingTheSecondTime(t *testing.T) {
	root := t.TempDir()
	for i := range 50 {
		write(t, root, filepath.Join("d", string(rune('a'+i%26)), strings.Repeat("f", i+1)), strings.Repeat("x", i))
	}
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	run := func(d Digests) *snapshot.Snapshot {
		c, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		s := collectDir(t, root, Options{Digests: d, Cache: c})
		if err := c.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := run(Digests{SHA256: true})
	second := run(Digests{SHA256: true})
	if first.Stats.FilesHashed != 50 || second.Stats.FilesHashed != 0 || second.Stats.FilesCached != 50 {
		t.Fatalf("first %+v, second %+v", first.Stats, second.Stats)
	}
	for i := range first.Files {
		if first.Files[i].SHA256 != second.Files[i].SHA256 || first.Files[i].Type != second.Files[i].Type {
			t.Fatalf("cached record differs: %+v vs %+v", first.Files[i], second.Files[i])
		}
	}
	// A changed file is read again; a new digest need re-reads everything.
	write(t, root, "d/a/f", "changed")
	third := run(Digests{SHA256: true})
	if third.Stats.FilesHashed != 1 {
		t.Errorf("after one change: hashed %d, want 1", third.Stats.FilesHashed)
	}
	fourth := run(Digests{SHA256: true, MD5: true})
	if fourth.Stats.FilesHashed != 50 {
		t.Errorf("with md5 added: hashed %d, want 50", fourth.Stats.FilesHashed)
	}
}

type fakeContent struct{ calls atomic.Int32 }

func (f *fakeContent) Name() string                       { return "fake" }
func (f *fakeContent) Version() string                    { return "1" }
func (f *fakeContent) WantsContent(r *snapshot.File) bool { return r.Type == snapshot.TypePE }
func (f *fakeContent) CollectContent(_ context.Context, r io.ReaderAt, rec *snapshot.File) error {
	f.calls.Add(1)
	b := make([]byte, 2)
	r.ReadAt(b, 0)
	if string(b) == "MZ" && strings.Contains(rec.Path, "panic") {
		panic("hostile file")
	}
	rec.Meta = map[string]string{"fake.magic": string(b)}
	return nil
}

type fakePath struct{ seen []string }

func (f *fakePath) Name() string                      { return "fakepath" }
func (f *fakePath) WantsPath(_ *Env, rel string) bool { return strings.HasSuffix(rel, "status") }
func (f *fakePath) CollectPath(_ context.Context, env *Env, rel string, sink Sink) error {
	f.seen = append(f.seen, rel)
	sink.AddSoftware(snapshot.Software{Name: "pkg", Source: env.Display(rel)})
	return nil
}

func TestCollectorsAndPanics(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.exe", fakePE("a"))
	write(t, root, "panic.exe", fakePE("b"))
	write(t, root, "var/lib/dpkg/status", "Package: x")
	fc, fp := &fakeContent{}, &fakePath{}
	snap := collectDir(t, root, Options{Digests: Digests{SHA256: true}, ContentCollectors: []ContentCollector{fc}, PathCollectors: []PathCollector{fp}})
	if fc.calls.Load() != 2 || len(fp.seen) != 1 || len(snap.Software) != 1 {
		t.Fatalf("content calls %d, path calls %v, software %v", fc.calls.Load(), fp.seen, snap.Software)
	}
	if f := byPath(snap)["/a.exe"]; f.Meta["fake.magic"] != "MZ" {
		t.Errorf("meta = %v", f.Meta)
	}
	if len(snap.Errors) != 1 || !strings.Contains(snap.Errors[0].Err, "panicked") {
		t.Errorf("errors = %+v", snap.Errors)
	}
}

// TestCachedRecordKeepsItsProblems: a file a content collector could not
// parse is reported again by a re-scan that takes its record from the
// cache, without reading it.
func TestCachedRecordKeepsItsProblems(t *testing.T) {
	root := t.TempDir()
	write(t, root, "ok.exe", fakePE("a"))
	write(t, root, "panic.exe", fakePE("b"))
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	run := func() *snapshot.Snapshot {
		c, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		s := collectDir(t, root, Options{Digests: Digests{SHA256: true}, Cache: c, ContentCollectors: []ContentCollector{&fakeContent{}}})
		if err := c.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first, second := run(), run()
	if second.Stats.FilesHashed != 0 || second.Stats.FilesCached != 2 {
		t.Fatalf("second scan read files: %+v", second.Stats)
	}
	if len(first.Errors) != 1 || !reflect.DeepEqual(first.Errors, second.Errors) {
		t.Errorf("errors first %+v, second %+v; want the panic reported by both", first.Errors, second.Errors)
	}
}

func FuzzDecodeCache(f *testing.F) {
	c := NewCache()
	c.Put(CacheKey{1, 2, 3, 4, 5}, snapshot.File{Type: "pe", SHA256: sum("x"), Meta: map[string]string{"a": "b"}}, Digests{SHA256: true}, "v",
		Problem{Stage: "parse:x", Err: "bad"})
	var b strings.Builder
	c.encode(&b)
	f.Add([]byte(b.String()))
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeCache(data)
		if err != nil {
			return
		}
		c.Get(CacheKey{1, 2, 3, 4, 5}, Digests{SHA256: true}, "v")
		for i := range c.used {
			c.used[i].Store(true) // keep every entry, however odd
		}
		c.Put(CacheKey{Ino: 7}, snapshot.File{Type: snapshot.TypeOther}, Digests{}, c.version)
		var b strings.Builder
		c.encode(&b)
		if _, err := decodeCache([]byte(b.String())); err != nil {
			t.Fatalf("re-encoded cache does not load: %v", err)
		}
	})
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("MZ"), []byte{})
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"), []byte("koly"))
	f.Fuzz(func(t *testing.T, head, tail []byte) {
		if Sniff(head, tail) == "" {
			t.Fatal("empty type")
		}
	})
}

type anomalyPath struct{}

func (anomalyPath) Name() string                      { return "seal" }
func (anomalyPath) WantsPath(_ *Env, rel string) bool { return strings.HasSuffix(rel, "CodeResources") }
func (anomalyPath) CollectPath(_ context.Context, _ *Env, rel string, sink Sink) error {
	sink.(AnomalySink).AddAnomaly("A.app/Contents/MacOS/A", snapshot.Anomaly{Kind: "bundle-seal-broken", Detail: "x"})
	return nil
}

func TestAnomalySinkAttachesToOtherFile(t *testing.T) {
	root := t.TempDir()
	write(t, root, "A.app/Contents/_CodeSignature/CodeResources", "<plist/>")
	write(t, root, "A.app/Contents/MacOS/A", "\xcf\xfa\xed\xfe binary")
	snap := collectDir(t, root, Options{PathCollectors: []PathCollector{anomalyPath{}}})
	f := byPath(snap)["/A.app/Contents/MacOS/A"]
	if len(f.Anomalies) != 1 || f.Anomalies[0].Kind != "bundle-seal-broken" {
		t.Errorf("anomalies = %+v", f.Anomalies)
	}
}

func TestSortFilesLarge(t *testing.T) {
	var fs []snapshot.File
	for i := range 10000 {
		fs = append(fs, snapshot.File{Path: fmt.Sprintf("/d%d/f%05d", (i*7919)%97, (i*104729)%10007)})
	}
	sortFiles(fs)
	for i := 1; i < len(fs); i++ {
		if fs[i-1].Path > fs[i].Path {
			t.Fatalf("not sorted at %d: %q > %q", i, fs[i-1].Path, fs[i].Path)
		}
	}
}

func TestKeepRetainsOnlyWhatItKeeps(t *testing.T) {
	root := t.TempDir()
	for i := range 20 {
		write(t, root, fmt.Sprintf("d/f%02d", i), fmt.Sprint(i))
	}
	write(t, root, "A.app/Contents/_CodeSignature/CodeResources", "<plist/>")
	write(t, root, "A.app/Contents/MacOS/A", "\xcf\xfa\xed\xfe\x07\x00\x00\x01 binary")
	keep := func(f *snapshot.File) bool { return f.SHA256 == sum("7") }
	snap := collectDir(t, root, Options{Digests: Digests{SHA256: true}, Keep: keep, PathCollectors: []PathCollector{anomalyPath{}}})
	files := byPath(snap)
	if len(files) != 2 || files["/d/f07"].SHA256 != sum("7") || snap.Stats.FilesSeen != 22 {
		t.Fatalf("kept %v, seen %d", files, snap.Stats.FilesSeen)
	}
	// A dropped record that a path collector gives an anomaly comes back.
	if a := files["/A.app/Contents/MacOS/A"]; len(a.Anomalies) != 1 || a.Type != snapshot.TypeMachO {
		t.Errorf("anomaly target = %+v", a)
	}
}
