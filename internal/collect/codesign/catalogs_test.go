package codesign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

const catGUID = "{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"

// TestCatalogDecorator scans a Windows image whose CatRoot holds the
// signed.sh catalogs: the PE a catalog lists gets a catalog signature on
// every scan, read or cached, and the cache never keeps it.
func TestCatalogDecorator(t *testing.T) {
	root := t.TempDir()
	catDir := filepath.Join(root, "windows", "system32", "catroot", catGUID) // lower case, as Windows does not care
	app := filepath.Join(root, "Program Files", "App")
	for _, d := range []string{catDir, app} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string, b []byte) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(catDir, "cascade-sha256.cat"), testkit.Read(t, "cat/"+catGUID+"/cascade-sha256.cat"))
	write(filepath.Join(catDir, "broken.cat"), []byte("not a catalog"))
	write(filepath.Join(app, "listed.exe"), testkit.Read(t, "pe/unsigned.exe"))
	write(filepath.Join(app, "unlisted.exe"), testkit.Read(t, "pe/vendor.exe"))

	src, err := source.Open(root, source.Options{Image: true, OS: source.Windows})
	if err != nil {
		t.Fatal(err)
	}
	cacheFile := filepath.Join(t.TempDir(), "digests.bin")
	scan := func() *snapshot.Snapshot {
		t.Helper()
		cache, err := collect.LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := cache.Save(cacheFile); err != nil {
				t.Fatal(err)
			}
		}()
		snap, err := collect.Collect(context.Background(), src, collect.Options{Digests: collect.Digests{SHA256: true},
			Cache: cache, ContentCollectors: []collect.ContentCollector{collector(t, testkit.Root(t))}})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	catalogs := func(snap *snapshot.Snapshot, name string) []string {
		t.Helper()
		var out []string
		for _, f := range snap.Files {
			if !strings.HasSuffix(f.Path, `\`+name) {
				continue
			}
			for _, s := range f.Signatures {
				if s.Format == snapshot.SigCatalog {
					if s.ChainVerified == nil || !*s.ChainVerified || s.Signer.CommonName != "Cascade Test Windows" {
						t.Errorf("%s: catalog signature %+v", name, s)
					}
					out = append(out, s.Catalog+" "+s.CatalogMember)
				}
			}
			return out
		}
		t.Fatalf("%s not in the snapshot", name)
		return nil
	}
	want := `C:\windows\system32\catroot\` + catGUID + `\cascade-sha256.cat unsigned.exe`
	for _, pass := range []string{"read", "cached"} {
		snap := scan()
		if got := catalogs(snap, "listed.exe"); len(got) != 1 || got[0] != want {
			t.Errorf("%s: listed.exe catalogs %q, want %q", pass, got, want)
		}
		if got := catalogs(snap, "unlisted.exe"); len(got) != 0 {
			t.Errorf("%s: unlisted.exe catalogs %q", pass, got)
		}
		var broken bool
		for _, e := range snap.Errors {
			broken = broken || e.Stage == "parse:catalog" && strings.HasSuffix(e.Path, `\broken.cat`)
		}
		if !broken {
			t.Errorf("%s: the broken catalog is not reported: %+v", pass, snap.Errors)
		}
		if pass == "cached" && snap.Stats.FilesCached == 0 {
			t.Errorf("the second scan read everything again")
		}
	}
	// Without the catalog, the cached record has no catalog signature:
	// the cache never kept one.
	if err := os.Remove(filepath.Join(catDir, "cascade-sha256.cat")); err != nil {
		t.Fatal(err)
	}
	if got := catalogs(scan(), "listed.exe"); len(got) != 0 {
		t.Errorf("after the catalog was removed: %q", got)
	}
}

// TestCatalogDigestsOnlyWhereCatalogs checks that the extra pass over
// unsigned PE images is paid only on a Windows source with catalogs, and
// only for the algorithms they use.
func TestCatalogDigestsOnlyWhereCatalogs(t *testing.T) {
	pe := testkit.Read(t, "pe/unsigned.exe")
	sha256Cat := testkit.Read(t, "cat/"+catGUID+"/cascade-sha256.cat")
	for _, tc := range []struct {
		name     string
		os       string
		catalogs bool
		want     []string // meta keys present
	}{
		{"linux", source.Linux, true, nil},
		{"windows without catalogs", source.Windows, false, nil},
		{"windows with a SHA-256 catalog", source.Windows, true, []string{"pe.authentihash_sha256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "app"), 0o755)
			os.WriteFile(filepath.Join(root, "app", "a.exe"), pe, 0o644)
			if tc.catalogs {
				d := filepath.Join(root, "Windows", "System32", "CatRoot", catGUID)
				os.MkdirAll(d, 0o755)
				os.WriteFile(filepath.Join(d, "c.cat"), sha256Cat, 0o644)
			}
			src, err := source.Open(root, source.Options{Image: true, OS: tc.os})
			if err != nil {
				t.Fatal(err)
			}
			snap, err := collect.Collect(context.Background(), src, collect.Options{Digests: collect.Digests{SHA256: true},
				ContentCollectors: []collect.ContentCollector{collector(t)}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range snap.Files {
				if strings.HasSuffix(f.Path, "a.exe") {
					for k := range f.Meta {
						if strings.HasPrefix(k, "pe.authentihash") {
							got = append(got, k)
						}
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("image digests %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckSystemFile(t *testing.T) {
	digests := map[string]string{peinfo.MetaAuthentihashSHA256: strings.Repeat("ab", 32)}
	ms := map[string]string{peinfo.MetaAuthentihashSHA256: strings.Repeat("ab", 32), peinfo.MetaCompanyName: "Microsoft Corporation"}
	signed := []snapshot.Signature{{Format: snapshot.SigAuthenticode}}
	listed := []snapshot.Signature{{Format: snapshot.SigCatalog}}
	for _, tc := range []struct {
		name string
		f    snapshot.File
		want string
	}{
		{"unsigned in System32", snapshot.File{Path: `C:\Windows\System32\evil.dll`, Meta: digests}, anomaly.UnsignedSystemFile},
		{"claims Microsoft", snapshot.File{Path: `C:\Windows\System32\wlbsctrl.dll`, Meta: ms}, anomaly.UnsignedMicrosoftFile},
		{"SysWOW64, any case", snapshot.File{Path: `c:\WINDOWS\syswow64\x.dll`, Meta: digests}, anomaly.UnsignedSystemFile},
		{"drivers", snapshot.File{Path: `C:\Windows\System32\drivers\x.sys`, Meta: digests}, anomaly.UnsignedSystemFile},
		{"a subfolder", snapshot.File{Path: `C:\Windows\System32\spool\drivers\x.dll`, Meta: ms}, ""},
		{"elsewhere", snapshot.File{Path: `C:\Users\alice\AppData\Local\x.dll`, Meta: ms}, ""},
		{"embedded signature", snapshot.File{Path: `C:\Windows\System32\x.dll`, Meta: ms, Signatures: signed}, ""},
		{"listed in a catalog", snapshot.File{Path: `C:\Windows\System32\x.dll`, Meta: ms, Signatures: listed}, ""},
		{"digests unknown", snapshot.File{Path: `C:\Windows\System32\x.dll`, Meta: map[string]string{}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Type = snapshot.TypePE
			checkSystemFile(&f)
			var got string
			for _, a := range f.Anomalies {
				got += a.Kind
			}
			if got != tc.want {
				t.Errorf("anomalies %q, want %q", got, tc.want)
			}
		})
	}
}
