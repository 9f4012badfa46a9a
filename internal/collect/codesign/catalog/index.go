package catalog

import (
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Index finds the catalogs that list an Authenticode image digest.
type Index struct {
	cats     []indexed
	byDigest map[string][]listing // hash byte + digest
	hashes   []crypto.Hash
	members  int
	print    []byte // SHA-256 over the catalogs' own digests, in load order
}

type indexed struct {
	name string
	sig  snapshot.Signature
}

type listing struct {
	cat    int32
	member string
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{byDigest: map[string][]listing{}} }

// Add indexes c's members under name, the catalog's path as the scanned
// system names it. content is the catalog file's bytes, for Fingerprint.
func (x *Index) Add(name string, c *Catalog, content []byte) {
	ci := int32(len(x.cats))
	x.cats = append(x.cats, indexed{name: name, sig: c.Sig})
	for _, m := range c.Members {
		if m.Hash == 0 {
			continue
		}
		if !slices.Contains(x.hashes, m.Hash) {
			x.hashes = append(x.hashes, m.Hash)
		}
		k := key(m.Hash, m.Digest)
		who := m.File
		if who == "" {
			who = m.Tag
		}
		x.byDigest[k] = append(x.byDigest[k], listing{cat: ci, member: who})
		x.members++
	}
	sum := sha256.Sum256(content)
	h := sha256.New()
	h.Write(x.print)
	h.Write(sum[:])
	x.print = h.Sum(nil)
}

func key(h crypto.Hash, digest []byte) string { return string(rune(h)) + string(digest) }

// Len is the number of catalogs indexed; Members the digests they list.
func (x *Index) Len() int { return len(x.cats) }

// Members is the number of indexed member digests.
func (x *Index) Members() int { return x.members }

// Hashes are the digest algorithms the indexed members use: the image
// digests a file needs for Lookup.
func (x *Index) Hashes() []crypto.Hash { return x.hashes }

// Fingerprint identifies the indexed catalogs' content.
func (x *Index) Fingerprint() string { return hex.EncodeToString(x.print) }

// Signatures returns one catalog signature per catalog listing any of the
// file's image digests (by algorithm), in the order the catalogs were
// added.
func (x *Index) Signatures(digests map[crypto.Hash][]byte) []snapshot.Signature {
	var out []snapshot.Signature
	for _, h := range x.hashes {
		d, ok := digests[h]
		if !ok {
			continue
		}
		for _, l := range x.byDigest[key(h, d)] {
			s := x.cats[l.cat].sig
			s.Catalog = x.cats[l.cat].name
			s.CatalogMember = l.member
			s.DigestAlgorithm = hashName(h)
			s.SignedDigest = hex.EncodeToString(d)
			s.ComputedDigest = s.SignedDigest
			match := true
			s.DigestMatch = &match
			out = append(out, s)
		}
	}
	return out
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "sha1"
	case crypto.SHA256:
		return "sha256"
	}
	return strings.ToLower(strings.ReplaceAll(h.String(), "-", ""))
}

// LoadOptions bound Load.
type LoadOptions struct {
	// MaxFile caps one catalog's size (default 256 MiB), MaxCatalogs the
	// catalogs read (default 100,000), MaxMembers one catalog's members.
	MaxFile     int64
	MaxCatalogs int
	MaxMembers  int
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
	if opt.Display == nil {
		opt.Display = func(s string) string { return s }
	}
	x := NewIndex()
	var probs []Problem
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			probs = append(probs, Problem{p, err})
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(path.Ext(p), ".cat") {
			return nil
		}
		if x.Len() >= opt.MaxCatalogs {
			probs = append(probs, Problem{dir, fmt.Errorf("more than %d catalogs: the rest were not read", opt.MaxCatalogs)})
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
		x.Add(opt.Display(p), c, b)
		return nil
	})
	if err != nil {
		probs = append(probs, Problem{dir, err})
	}
	return x, probs
}
