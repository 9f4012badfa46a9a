package match

import (
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// digestNeeds decides which digests a scan computes. A SHA-1 or MD5
// indicator whose source also gives the file's SHA-256 (its same-file
// sibling) does not need its digest computed for every file: only for the
// files whose SHA-256 is the sibling's, and SiblingNeeds says which those
// are. So intel whose every SHA-1 and MD5 indicator has a sibling costs a
// scan one digest per file, not three, and still matches every indicator,
// with digests that were computed, never assumed.
type digestNeeds struct {
	named   Needs            // every digest type the intel names
	sibling map[string]Needs // lower-case SHA-256 → digests to compute for that file
	byType  map[string]Needs // file type → digests to compute for files of that type
}

// needDigest records what a digest indicator asks of a scan.
func (s *Set) needDigest(ind *intel.Indicator) {
	s.digests.named = s.digests.named.with(ind.Type)
	sib := strings.ToLower(ind.SameFile[intel.SHA256])
	if _, err := hex.DecodeString(sib); ind.Type == intel.SHA256 || err != nil || len(sib) != intel.SHA256.HexLen() {
		// No usable sibling (hand-built intel is not validated): every
		// file of the types it can have needs the digest.
		s.needForTypes(ind.Type, ind.FileTypes)
		return
	}
	s.sibling(sib, ind.Type)
}

// needForTypes records that files of these types need a digest of type
// t; with no types, every file does. A SHA-256 is needed for every file
// all the same: the scan matches everything by it.
func (s *Set) needForTypes(t intel.Type, fileTypes []string) {
	if t == intel.SHA256 || len(fileTypes) == 0 {
		s.need(t)
		return
	}
	if s.digests.byType == nil {
		s.digests.byType = map[string]Needs{}
	}
	for _, ft := range fileTypes {
		for _, same := range sameBytesTypes(ft) {
			s.digests.byType[same] = s.digests.byType[same].with(t)
		}
	}
}

// sameBytesTypes returns the file types a file of type ft can be recorded
// as. A file's type is a function of its bytes except where its name
// refines it (collect.SniffName): a compound file is msi or ole by its
// extension, a text file script or other, and a disk image is looked for
// only under some names and sizes. A digest scoped to one of those types
// is computed for the others too.
func sameBytesTypes(ft string) []string {
	switch ft {
	case "msi", "ole":
		return []string{"msi", "ole"}
	case "script", "other", "dmg":
		return []string{"dmg", "other", "script"}
	}
	return []string{ft}
}

// TypeNeeds returns the digests beyond Needs to compute for a file of this
// type, because indicators scoped to that type (Indicator.FileTypes) name
// those digests.
func (s *Set) TypeNeeds(fileType string) Needs {
	return s.digests.byType[fileType]
}

// HasTypeNeeds reports whether some digests are needed for files of
// particular types only (see TypeNeeds).
func (s *Set) HasTypeNeeds() bool { return len(s.digests.byType) > 0 }

// sibling records that the file with this (lower-case) SHA-256 needs a
// digest of type t.
func (s *Set) sibling(sha256 string, t intel.Type) {
	if s.digests.sibling == nil {
		s.digests.sibling = map[string]Needs{}
	}
	if t != intel.SHA256 {
		s.digests.sibling[sha256] = s.digests.sibling[sha256].with(t)
	}
	s.need(intel.SHA256) // to find the file
}

func (n Needs) with(t intel.Type) Needs {
	switch t {
	case intel.SHA256:
		n.SHA256 = true
	case intel.SHA1:
		n.SHA1 = true
	case intel.MD5:
		n.MD5 = true
	}
	return n
}

// AllNeeds returns every digest type the intel names, for a scan that
// records all of them in each file's record (forensics, a kept snapshot)
// instead of only those every file needs.
func (s *Set) AllNeeds() Needs {
	n := s.needs
	n.SHA256 = n.SHA256 || s.digests.named.SHA256
	n.SHA1 = n.SHA1 || s.digests.named.SHA1
	n.MD5 = n.MD5 || s.digests.named.MD5
	return n
}

// HasSiblings reports whether some digests are needed for particular
// files only (see SiblingNeeds).
func (s *Set) HasSiblings() bool { return len(s.digests.sibling) > 0 }

// SiblingNeeds returns the digests beyond Needs to compute for the file
// with this SHA-256, because indicators of those digests name it as
// their same file.
func (s *Set) SiblingNeeds(sha256 string) Needs {
	if len(s.digests.sibling) == 0 || sha256 == "" {
		return Needs{}
	}
	return s.digests.sibling[strings.ToLower(sha256)]
}

// stixHashRE finds the file digests a STIX pattern compares.
var stixHashRE = regexp.MustCompile(`(?i)hashes\s*\.\s*'?(md5|sha-?1|sha-?256)'?`)

// needSTIXDigests records the digests a STIX pattern compares: a file
// record without them could never satisfy it. A pattern over one
// observation that can only match a file of given SHA-256s (every index
// key is a SHA-256: [file:hashes.'SHA-256' = '…' AND file:hashes.MD5 =
// '…'], a file object with several hashes) needs its other digests for
// those files only.
func (s *Set) needSTIXDigests(pattern string) {
	var types []intel.Type
	for _, m := range stixHashRE.FindAllStringSubmatch(pattern, -1) {
		t := intel.Type(strings.ReplaceAll(strings.ToLower(m[1]), "-", ""))
		types = append(types, t)
		s.digests.named = s.digests.named.with(t)
	}
	if len(types) == 0 {
		return
	}
	if files := stixSHA256s(pattern); files != nil {
		for _, f := range files {
			for _, t := range types {
				s.sibling(f, t)
			}
		}
		return
	}
	for _, t := range types {
		s.need(t)
	}
}

// stixSHA256s returns the SHA-256s one of which a file must have to match
// a single-observation pattern, or nil when the pattern can match others.
func stixSHA256s(pattern string) []string {
	p, err := stixpattern.Parse(pattern)
	if err != nil || !SingleObservation(p) {
		return nil
	}
	keys, _ := p.IndexKeys()
	var out []string
	for _, k := range keys {
		if k.Path.String() != keySHA256 || len(k.Value) != intel.SHA256.HexLen() {
			return nil
		}
		out = append(out, strings.ToLower(k.Value))
	}
	return out
}
