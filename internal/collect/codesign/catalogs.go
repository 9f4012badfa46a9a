package codesign

import (
	"context"
	"crypto"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/catalog"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

var _ collect.SourceDecorator = (*Collector)(nil)

// catRoot is where Windows keeps its catalog databases, one directory per
// database GUID.
var catRoot = []string{"Windows", "System32", "CatRoot"}

// Decorator implements collect.SourceDecorator: on a Windows source it
// indexes the catalogs under Windows\System32\CatRoot once, and returns
// the function that gives every file record a catalog lists a "catalog"
// signature. Unreadable catalogs are reported with their paths. It returns
// nil for other sources and when there is no catalog.
func (c *Collector) Decorator(ctx context.Context, env *collect.Env, sink collect.Sink) func(*snapshot.File) {
	if env.OS != "windows" || ctx.Err() != nil {
		return nil
	}
	dir, ok := findDir(env.FS, catRoot)
	if !ok {
		return nil
	}
	x, probs := catalog.Load(env.FS, dir, catalog.LoadOptions{Roots: c.roots, Now: c.opt.Now(), Display: env.Display})
	for _, p := range probs {
		sink.AddError(p.Path, "parse:catalog", p.Err)
	}
	if x.Len() == 0 {
		return nil
	}
	return func(f *snapshot.File) { AddCatalogSignatures(x, f) }
}

// AddCatalogSignatures appends a "catalog" signature to f for every
// catalog in x that lists its Authenticode image digests (recorded in
// f.Meta for unsigned PE images).
func AddCatalogSignatures(x *catalog.Index, f *snapshot.File) {
	if f.Type != snapshot.TypePE || len(f.Meta) == 0 {
		return
	}
	digests := map[crypto.Hash][]byte{}
	for h, k := range map[crypto.Hash]string{crypto.SHA1: peinfo.MetaAuthentihashSHA1, crypto.SHA256: peinfo.MetaAuthentihashSHA256} {
		if d, err := hex.DecodeString(f.Meta[k]); err == nil && len(d) == h.Size() {
			digests[h] = d
		}
	}
	if len(digests) == 0 {
		return
	}
	f.Signatures = append(f.Signatures, x.Signatures(digests)...)
}

// findDir finds the directory at the path elems in fsys, each name matched
// case-insensitively as Windows does.
func findDir(fsys fs.FS, elems []string) (string, bool) {
	dir := "."
	for _, want := range elems {
		ents, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return "", false
		}
		found := ""
		for _, e := range ents {
			if e.IsDir() && strings.EqualFold(e.Name(), want) {
				found = e.Name()
				if e.Name() == want {
					break
				}
			}
		}
		if found == "" {
			return "", false
		}
		dir = path.Join(dir, found)
	}
	return dir, true
}
