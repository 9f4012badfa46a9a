package codesign

import (
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/catalog"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TypeCatalog is the type Inspect gives a Windows catalog. Collection
// sniffs catalogs as "other"; catalogs are read per source (ForSource).
const TypeCatalog = "catalog"

// CatalogReport is a Windows catalog's content, when the inspected file is
// one. Its signature is among the File's signatures.
type CatalogReport struct {
	ListID     string         `json:"list_id,omitempty"`
	ThisUpdate time.Time      `json:"this_update,omitzero"`
	Members    []CatalogEntry `json:"members"`
	// Problems are members that could not be read.
	Problems []string `json:"problems,omitempty"`
}

// CatalogEntry is one listed file.
type CatalogEntry struct {
	// Name is the member's file name (CAT_NAMEVALUE "File"); without one,
	// its tag when that is not simply the digest.
	Name            string `json:"name,omitempty"`
	DigestAlgorithm string `json:"digest_algorithm,omitempty"`
	Digest          string `json:"digest"`
	// ByTag: the member is known by its tag (the digest) alone, with
	// CAT_MEMBERINFO2, as Microsoft's SHA-1 members are.
	ByTag bool `json:"by_tag,omitempty"`
}

// looksLikeCatalog is a cheap test before parsing: a DER SEQUENCE, or a
// file named *.cat.
func looksLikeCatalog(path string, head []byte) bool {
	return len(head) > 0 && head[0] == 0x30 || strings.EqualFold(filepath.Ext(path), ".cat")
}

// inspectCatalog reads r as a catalog. A file that is not a signed catalog
// is left alone unless it is named *.cat, when the reason is reported.
func (ins *Inspection) inspectCatalog(c *Collector, r io.ReaderAt, size int64) {
	if size > c.opt.MaxFileSize {
		ins.Error = join(ins.Error, fmt.Sprintf("%s: %d bytes, over the %d-byte limit for a catalog", ins.File.Path, size, c.opt.MaxFileSize))
		return
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		ins.Error = join(ins.Error, fmt.Sprintf("%s: %v", ins.File.Path, err))
		return
	}
	cat, err := catalog.Parse(b, 0)
	if err != nil {
		if strings.EqualFold(filepath.Ext(ins.File.Path), ".cat") {
			ins.Error = join(ins.Error, fmt.Sprintf("%s: not a signed Windows catalog: %v", ins.File.Path, err))
		}
		return
	}
	cat.CheckChain(c.roots, c.opt.Now())
	ins.File.Type = TypeCatalog
	rep := &CatalogReport{ListID: cat.ListID, ThisUpdate: cat.ThisUpdate, Problems: cat.Problems,
		Members: make([]CatalogEntry, 0, len(cat.Members))}
	for _, m := range cat.Members {
		e := CatalogEntry{Name: m.File, Digest: hex.EncodeToString(m.Digest), ByTag: m.ByTag}
		if e.Name == "" && !strings.EqualFold(m.Tag, e.Digest) {
			e.Name = "tag " + m.Tag
		}
		if m.Hash != 0 {
			e.DigestAlgorithm = authenticode.HashName(m.Hash)
		}
		rep.Members = append(rep.Members, e)
	}
	ins.Catalog = rep
	c.record(&ins.File, found{sigs: []snapshot.Signature{cat.Sig}, anomalies: cat.Anomalies})
}
