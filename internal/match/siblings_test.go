package match

import (
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

const (
	sibSHA256 = "7986bbaee8940da11ce089383521ab420c443ab7b15ed42aed91fd31ce833896"
	sibSHA1   = "bf939c9c261d27ee7bb92325cc588624fca75429"
	sibMD5    = "74bc2d0b6680faa1a5a76b27e5479cbc"
	loneMD5   = "27b134af30f4a86f177db2f2555fe01d"
)

func TestDigestNeeds(t *testing.T) {
	same := map[intel.Type]string{intel.SHA256: sibSHA256}
	sha256 := intel.Indicator{ID: "s", Type: intel.SHA256, Value: sibSHA256}
	sha1Sib := intel.Indicator{ID: "h", Type: intel.SHA1, Value: sibSHA1, SameFile: same}
	md5Sib := intel.Indicator{ID: "m", Type: intel.MD5, Value: sibMD5, SameFile: same}
	md5Lone := intel.Indicator{ID: "l", Type: intel.MD5, Value: loneMD5}
	md5OnlySHA1 := intel.Indicator{ID: "o", Type: intel.MD5, Value: loneMD5, SameFile: map[intel.Type]string{intel.SHA1: sibSHA1}}
	stix := func(p string) intel.Indicator { return intel.Indicator{ID: "x", Type: intel.STIX, Pattern: p} }
	for _, tc := range []struct {
		name      string
		inds      []intel.Indicator
		every     Needs // computed for every file
		all       Needs // AllNeeds
		ofSibling Needs // SiblingNeeds(sibSHA256)
	}{
		{"sha256 only", []intel.Indicator{sha256}, Needs{SHA256: true}, Needs{SHA256: true}, Needs{}},
		{"every md5 and sha1 has a sibling", []intel.Indicator{sha256, sha1Sib, md5Sib},
			Needs{SHA256: true}, Needs{true, true, true}, Needs{SHA1: true, MD5: true}},
		{"a sibling alone still needs sha256 to find the file", []intel.Indicator{md5Sib},
			Needs{SHA256: true}, Needs{SHA256: true, MD5: true}, Needs{MD5: true}},
		{"one md5 without a sibling", []intel.Indicator{sha256, md5Sib, md5Lone},
			Needs{SHA256: true, MD5: true}, Needs{SHA256: true, MD5: true}, Needs{MD5: true}},
		{"a malformed sibling is no sibling", []intel.Indicator{{ID: "b", Type: intel.MD5, Value: loneMD5, SameFile: map[intel.Type]string{intel.SHA256: strings.Repeat("z", 64)}}},
			Needs{MD5: true}, Needs{MD5: true}, Needs{}},
		{"a sha1 sibling does not find the file", []intel.Indicator{md5OnlySHA1},
			Needs{MD5: true}, Needs{MD5: true}, Needs{}},
		{"stix over md5", []intel.Indicator{stix(`[file:hashes.MD5 = '` + loneMD5 + `' AND file:name = 'a.dll']`)},
			Needs{MD5: true}, Needs{MD5: true}, Needs{}},
		{"stix over sha-1 or sha-256", []intel.Indicator{stix(`[file:hashes.'SHA-1' = '` + sibSHA1 + `' OR file:hashes.'SHA-256' = '` + sibSHA256 + `']`)},
			Needs{SHA256: true, SHA1: true}, Needs{SHA256: true, SHA1: true}, Needs{}},
		{"stix file object: sha-256 and md5 of one file", []intel.Indicator{stix(`[file:hashes.'SHA-256' = '` + strings.ToUpper(sibSHA256) + `' AND file:hashes.MD5 = '` + sibMD5 + `']`)},
			Needs{SHA256: true}, Needs{SHA256: true, MD5: true}, Needs{MD5: true}},
		{"stix over several observations", []intel.Indicator{stix(`[file:hashes.'SHA-256' = '` + sibSHA256 + `'] AND [file:hashes.MD5 = '` + sibMD5 + `']`)},
			Needs{SHA256: true, MD5: true}, Needs{SHA256: true, MD5: true}, Needs{}},
	} {
		s, err := Compile(&intel.Intel{Indicators: tc.inds})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := s.Needs(); got != tc.every {
			t.Errorf("%s: Needs = %+v, want %+v", tc.name, got, tc.every)
		}
		if got := s.AllNeeds(); got != tc.all {
			t.Errorf("%s: AllNeeds = %+v, want %+v", tc.name, got, tc.all)
		}
		if got := s.SiblingNeeds(sibSHA256); got != tc.ofSibling {
			t.Errorf("%s: SiblingNeeds = %+v, want %+v", tc.name, got, tc.ofSibling)
		}
		if got := s.SiblingNeeds(loneMD5 + loneMD5); got != (Needs{}) {
			t.Errorf("%s: another file's SiblingNeeds = %+v", tc.name, got)
		}
	}
}

func TestTypeNeeds(t *testing.T) {
	same := map[intel.Type]string{intel.SHA256: sibSHA256}
	pe := []string{"pe"}
	for _, tc := range []struct {
		name   string
		inds   []intel.Indicator
		every  Needs            // Needs
		all    Needs            // AllNeeds
		byType map[string]Needs // TypeNeeds, for the types listed; others none
	}{
		{"md5 scoped to pe", []intel.Indicator{{ID: "a", Type: intel.MD5, Value: loneMD5, FileTypes: pe}},
			Needs{}, Needs{MD5: true}, map[string]Needs{"pe": {MD5: true}, "elf": {}, "other": {}}},
		{"sha1 scoped to pe and zip", []intel.Indicator{{ID: "a", Type: intel.SHA1, Value: sibSHA1, FileTypes: []string{"pe", "zip"}}},
			Needs{}, Needs{SHA1: true}, map[string]Needs{"pe": {SHA1: true}, "zip": {SHA1: true}, "macho": {}}},
		{"an unscoped md5 stays global", []intel.Indicator{{ID: "a", Type: intel.MD5, Value: loneMD5}, {ID: "b", Type: intel.SHA1, Value: sibSHA1, FileTypes: pe}},
			Needs{MD5: true}, Needs{SHA1: true, MD5: true}, map[string]Needs{"pe": {SHA1: true}, "elf": {}}},
		{"a sibling beats a type", []intel.Indicator{{ID: "a", Type: intel.MD5, Value: sibMD5, SameFile: same, FileTypes: pe}},
			Needs{SHA256: true}, Needs{SHA256: true, MD5: true}, map[string]Needs{"pe": {}}},
		{"sha256 is needed for every file", []intel.Indicator{{ID: "a", Type: intel.SHA256, Value: sibSHA256, FileTypes: pe}},
			Needs{SHA256: true}, Needs{SHA256: true}, map[string]Needs{"pe": {}, "elf": {}}},
		{"msi takes ole along: the name decides between them", []intel.Indicator{{ID: "a", Type: intel.MD5, Value: loneMD5, FileTypes: []string{"msi"}}},
			Needs{}, Needs{MD5: true}, map[string]Needs{"msi": {MD5: true}, "ole": {MD5: true}, "pe": {}}},
		{"script takes other and dmg along", []intel.Indicator{{ID: "a", Type: intel.MD5, Value: loneMD5, FileTypes: []string{"script"}}},
			Needs{}, Needs{MD5: true}, map[string]Needs{"script": {MD5: true}, "other": {MD5: true}, "dmg": {MD5: true}, "elf": {}}},
	} {
		s, err := Compile(&intel.Intel{Indicators: tc.inds})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := s.Needs(); got != tc.every {
			t.Errorf("%s: Needs = %+v, want %+v", tc.name, got, tc.every)
		}
		if got := s.AllNeeds(); got != tc.all {
			t.Errorf("%s: AllNeeds = %+v, want %+v", tc.name, got, tc.all)
		}
		for ft, want := range tc.byType {
			if got := s.TypeNeeds(ft); got != want {
				t.Errorf("%s: TypeNeeds(%s) = %+v, want %+v", tc.name, ft, got, want)
			}
		}
	}
}
