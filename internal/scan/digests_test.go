package scan

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
	"github.com/cascade-ir/cascade/internal/match"
)

// sameFileTree writes a tree with files some built-in indicators match by
// name, files the test intel matches by digest, and files nothing matches.
func sameFileTree(t *testing.T) (root string, content map[string]string) {
	root = t.TempDir()
	content = map[string]string{
		"Program Files/3CXDesktopApp/app/ffmpeg.dll": "MZ not the real ffmpeg.dll",
		"usr/lib/x86_64-linux-gnu/liblzma.so.5.6.1":  "\x7fELF not the real liblzma",
		"tools/sibling-only.bin":                     "named by an MD5 and a SHA-1 that give its SHA-256",
		"tools/sha256-and-md5.dll":                   "named by its SHA-256, and by an MD5 that gives it",
		"tools/big.bin":                              strings.Repeat("a large file, read in several buffers ", 30000),
		"tools/stix-file-object.so":                  "named by a STIX pattern over its SHA-256 and MD5",
	}
	for i := range 40 {
		content[fmt.Sprintf("other/%02d/file.txt", i)] = strings.Repeat(fmt.Sprint(i), i*100)
	}
	for rel, c := range content {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, content
}

func hexSum(b []byte) string { return hex.EncodeToString(b) }

// siblingIntel names files of the tree by SHA-1 and MD5 indicators that
// carry the file's SHA-256 as their same file, and one by a STIX pattern
// over its SHA-256 and MD5.
func siblingIntel(content map[string]string) *intel.Intel {
	in := &intel.Intel{Sources: []intel.Source{{ID: "test", Name: "test", Kind: "cascade"}}}
	add := func(typ intel.Type, v string, same map[intel.Type]string) {
		in.Indicators = append(in.Indicators, intel.Indicator{ID: "test/" + string(typ) + "/" + v, Type: typ, Value: v,
			Score: 100, Sources: []string{"test"}, SameFile: same})
	}
	for _, rel := range []string{"tools/sibling-only.bin", "tools/sha256-and-md5.dll", "tools/big.bin"} {
		c := []byte(content[rel])
		s256, s1, m5 := sha256.Sum256(c), sha1.Sum(c), md5.Sum(c)
		same := map[intel.Type]string{intel.SHA256: hexSum(s256[:])}
		add(intel.MD5, hexSum(m5[:]), same)
		if rel != "tools/sha256-and-md5.dll" {
			add(intel.SHA1, hexSum(s1[:]), same)
		} else {
			add(intel.SHA256, hexSum(s256[:]), nil)
		}
	}
	c := []byte(content["tools/stix-file-object.so"])
	s256, m5 := sha256.Sum256(c), md5.Sum(c)
	in.Indicators = append(in.Indicators, intel.Indicator{ID: "test/stix", Type: intel.STIX, Score: 90, Sources: []string{"test"},
		Pattern: fmt.Sprintf("[file:hashes.'SHA-256' = '%x' AND file:hashes.MD5 = '%x']", s256, m5)})
	return in
}

// TestSameFindingsWithoutSiblingDigests: leaving out the SHA-1 and MD5
// of files no indicator can match by them changes no finding. A scan
// with all digests and one with the fewest give the same findings, over
// the built-in packs with sibling indicators added, and over the sibling
// indicators alone (where the scan computes SHA-256 only).
func TestSameFindingsWithoutSiblingDigests(t *testing.T) {
	root, content := sameFileTree(t)
	builtin, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	withPacks := siblingIntel(content)
	withPacks.Merge(builtin)
	for _, tc := range []struct {
		name        string
		in          *intel.Intel
		wantNeeds   match.Needs
		minFindings int
	}{
		// Every built-in SHA-1 has a sibling or a file type; six MD5s
		// have neither.
		{"built-in packs and sibling indicators", withPacks, match.Needs{SHA256: true, MD5: true}, 6},
		{"sibling indicators alone", siblingIntel(content), match.Needs{SHA256: true}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if all := sameFindings(t, tc.in, root, tc.wantNeeds); len(all) < tc.minFindings {
				t.Fatalf("only %d findings: the tree no longer exercises the intel", len(all))
			}
		})
	}
}

// sameFindings scans root with in twice, computing every digest the intel
// names and only those it needs, and checks that the scan needs
// wantNeeds for every file, that both give the same findings, and that the
// fewest-digests evidence holds no digest the full scan disagrees with. It
// returns the findings.
func sameFindings(t *testing.T, in *intel.Intel, root string, wantNeeds match.Needs) []finding.Finding {
	t.Helper()
	set, err := match.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Needs(); got != wantNeeds {
		t.Errorf("digests for every file = %+v, want %+v", got, wantNeeds)
	}
	all := runFindings(t, set, root, true)
	fewest := runFindings(t, set, root, false)
	if !slices.Equal(keys(all), keys(fewest)) {
		t.Errorf("findings differ:\nall digests: %q\nfewest:      %q", keys(all), keys(fewest))
	}
	for i := range min(len(all), len(fewest)) {
		a, f := all[i].Evidence, fewest[i].Evidence
		if f.SHA256 != a.SHA256 || (f.SHA1 != "" && f.SHA1 != a.SHA1) || (f.MD5 != "" && f.MD5 != a.MD5) {
			t.Errorf("%s: evidence %+v, with all digests %+v", f.Path, f, a)
		}
	}
	return all
}

func runFindings(t *testing.T, set *match.Set, root string, all bool) []finding.Finding {
	t.Helper()
	res, err := Run(context.Background(), set, Options{Roots: []string{root}, OS: "linux", AllDigests: all})
	if err != nil {
		t.Fatal(err)
	}
	var out []finding.Finding
	for _, r := range res {
		out = append(out, r.Findings...)
	}
	slices.SortFunc(out, func(a, b finding.Finding) int { return strings.Compare(key(a), key(b)) })
	return out
}

func keys(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, key(f))
	}
	return out
}

// key is what a finding says: where, how strongly, and by which
// indicators.
func key(f finding.Finding) string {
	var ids []string
	for _, r := range f.Reasons {
		ids = append(ids, r.Kind+":"+r.IndicatorID)
	}
	slices.Sort(ids)
	return fmt.Sprintf("%s %s %d %s", f.Evidence.Kind, f.Evidence.Path, f.Score, strings.Join(ids, ","))
}
