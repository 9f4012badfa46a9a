package catalog

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Index finds the catalogs that list an Authenticode image digest. Load
// builds it: a Windows system's catalogs list a few hundred thousand
// members, so each is a fixed-size entry in one slice sorted once, its
// name in one shared buffer, rather than a map of strings. Look-ups are
// safe for concurrent use.
type Index struct {
	cats    []indexed
	entries []entry
	names   []byte
	hashes  []crypto.Hash
}

type indexed struct {
	name string
	sig  snapshot.Signature
}

// entry is one member: its hash and digest (zero-padded), its catalog and
// its name in Index.names.
type entry struct {
	key     [33]byte
	cat     int32
	nameOff uint32
	nameLen uint16
}

func key(h crypto.Hash, digest []byte) (k [33]byte, ok bool) {
	if len(digest) > 32 || h > 0xff {
		return k, false
	}
	k[0] = byte(h)
	copy(k[1:], digest)
	return k, true
}

// add indexes c's members under name, the catalog's path as the scanned
// system names it. The index is usable once sorted.
func (x *Index) add(name string, c *Catalog) {
	ci := int32(len(x.cats))
	x.cats = append(x.cats, indexed{name: name, sig: c.Sig})
	for _, m := range c.Members {
		k, ok := key(m.Hash, m.Digest)
		if m.Hash == 0 || !ok {
			continue
		}
		if !slices.Contains(x.hashes, m.Hash) {
			x.hashes = append(x.hashes, m.Hash)
		}
		who := m.File
		if who == "" {
			who = m.Tag
		}
		who = truncate(who, maxName)
		x.entries = append(x.entries, entry{key: k, cat: ci, nameOff: uint32(len(x.names)), nameLen: uint16(len(who))})
		x.names = append(x.names, who...)
	}
}

// maxName caps a member name kept in the index (bytes of UTF-8): file
// names are far shorter, and a hostile catalog's are not kept whole.
const maxName = 512

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sort orders the entries by key, catalogs in the order added among
// equals, for Signatures' binary search.
// Digest algorithms go strongest first (SHA-512, SHA-384, SHA-256, SHA-1
// are numbered in that order), so a catalog that lists a file both ways
// is cited for its strongest digest.
func (x *Index) sort() {
	slices.SortStableFunc(x.entries, func(a, b entry) int { return bytes.Compare(a.key[:], b.key[:]) })
	slices.SortFunc(x.hashes, func(a, b crypto.Hash) int { return int(b) - int(a) })
}

// Len is the number of catalogs indexed.
func (x *Index) Len() int { return len(x.cats) }

// Members is the number of indexed member digests.
func (x *Index) Members() int { return len(x.entries) }

// Hashes are the digest algorithms the indexed members use: the image
// digests a file needs for Signatures.
func (x *Index) Hashes() []crypto.Hash { return x.hashes }

// Signatures returns one catalog signature per catalog listing any of the
// file's image digests, for the strongest digest it lists the file by
// (makecat lists a file by SHA-256 and again by its SHA-1 tag).
func (x *Index) Signatures(digests map[crypto.Hash][]byte) []snapshot.Signature {
	var out []snapshot.Signature
	cited := map[int]bool{}
	for _, h := range x.hashes {
		d, ok := digests[h]
		if !ok {
			continue
		}
		k, ok := key(h, d)
		if !ok {
			continue
		}
		i, _ := slices.BinarySearchFunc(x.entries, k, func(e entry, k [33]byte) int { return bytes.Compare(e.key[:], k[:]) })
		for ; i < len(x.entries) && x.entries[i].key == k; i++ {
			e := x.entries[i]
			if cited[int(e.cat)] {
				continue
			}
			cited[int(e.cat)] = true
			s := x.cats[e.cat].sig
			s.Catalog = x.cats[e.cat].name
			s.CatalogMember = string(x.names[e.nameOff : e.nameOff+uint32(e.nameLen)])
			s.DigestAlgorithm = authenticode.HashName(h)
			s.SignedDigest = hex.EncodeToString(d)
			s.ComputedDigest = s.SignedDigest
			match := true
			s.DigestMatch = &match
			out = append(out, s)
		}
	}
	return out
}

// LoadOptions bound Load.
type LoadOptions struct {
	// MaxFile caps one catalog's size (default 256 MiB), MaxCatalogs the
	// catalogs read (default 100,000), MaxMembers one catalog's members,
	// MaxTotalMembers the members indexed from all of them (default
	// 2,000,000: about 140 MB; a Windows system lists a few hundred
	// thousand).
	MaxFile         int64
	MaxCatalogs     int
	MaxMembers      int
	MaxTotalMembers int
	// Roots check the catalog signers' chains at Now.
	Roots *cms.Roots
	Now   time.Time
	// Display names a path of fsys as the scanned system does.
	Display func(string) string
}

// Problem is a catalog that could not be read, or read only in part.
type Problem struct {
	Path string // relative to fsys
	Err  error
}

// Load indexes every *.cat under dir in fsys (System32/CatRoot holds them
// in one directory per catalog database GUID). Catalogs that cannot be
// read are returned as problems; the rest are indexed.
func Load(fsys fs.FS, dir string, opt LoadOptions) (*Index, []Problem) {
	if opt.MaxFile <= 0 {
		opt.MaxFile = 256 << 20
	}
	if opt.MaxCatalogs <= 0 {
		opt.MaxCatalogs = 100000
	}
	if opt.MaxTotalMembers <= 0 {
		opt.MaxTotalMembers = 2000000
	}
	if opt.Display == nil {
		opt.Display = func(s string) string { return s }
	}
	x := &Index{}
	var probs []Problem
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			probs = append(probs, Problem{p, err})
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(path.Ext(p), ".cat") {
			return nil
		}
		if x.Len() >= opt.MaxCatalogs || x.Members() >= opt.MaxTotalMembers {
			probs = append(probs, Problem{dir, fmt.Errorf("more than %d catalogs or %d members: the rest were not read (the first is %s)",
				opt.MaxCatalogs, opt.MaxTotalMembers, p)})
			return fs.SkipAll
		}
		b, err := collect.ReadCapped(fsys, p, opt.MaxFile)
		if err != nil {
			probs = append(probs, Problem{p, err})
			return nil
		}
		c, err := Parse(b, opt.MaxMembers)
		if err != nil {
			probs = append(probs, Problem{p, err})
			return nil
		}
		c.CheckChain(opt.Roots, opt.Now)
		if len(c.Problems) > 0 {
			probs = append(probs, Problem{p, errors.New(strings.Join(c.Problems, "; "))})
		}
		for _, a := range c.Anomalies {
			probs = append(probs, Problem{p, fmt.Errorf("%s: %s", a.Kind, a.Detail)})
		}
		x.add(opt.Display(p), c)
		return nil
	})
	if err != nil {
		probs = append(probs, Problem{dir, err})
	}
	x.sort()
	return x, probs
}
