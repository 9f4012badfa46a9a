package match

import (
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
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
}

// needDigest records what a digest indicator asks of a scan.
func (s *Set) needDigest(ind *intel.Indicator) {
	s.digests.named = s.digests.named.with(ind.Type)
	sib := strings.ToLower(ind.SameFile[intel.SHA256])
	if ind.Type == intel.SHA256 || len(sib) != intel.SHA256.HexLen() {
		s.need(ind.Type)
		return
	}
	if s.digests.sibling == nil {
		s.digests.sibling = map[string]Needs{}
	}
	s.digests.sibling[sib] = s.digests.sibling[sib].with(ind.Type)
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
// record without them could never satisfy it.
func (s *Set) needSTIXDigests(pattern string) {
	for _, m := range stixHashRE.FindAllStringSubmatch(pattern, -1) {
		t := intel.Type(strings.ReplaceAll(strings.ToLower(m[1]), "-", ""))
		s.need(t)
		s.digests.named = s.digests.named.with(t)
	}
}
