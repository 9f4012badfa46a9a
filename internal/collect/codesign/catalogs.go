package codesign

import (
	"context"
	"crypto"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/catalog"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

var _ collect.SourceDecorator = (*Collector)(nil)

// catRoot is where Windows keeps its catalog databases, one directory per
// database GUID.
const catRoot = "Windows/System32/CatRoot"

// ForSource implements collect.SourceDecorator. On a Windows source it
// indexes the catalogs under Windows\System32\CatRoot once, and returns a
// variant of c that keeps unsigned PE images' Authenticode digests (an
// extra pass over each, paid only where catalogs can use it; its own
// Version keeps those records apart in the cache) and the function that
// gives every record a catalog lists a "catalog" signature. Unreadable
// catalogs are reported with their paths. Elsewhere it changes nothing.
func (c *Collector) ForSource(ctx context.Context, env *collect.Env, sink collect.Sink) (collect.ContentCollector, func(*snapshot.File)) {
	if env.OS != "windows" || ctx.Err() != nil {
		return nil, nil
	}
	dir, err := collect.FindFold(env.FS, catRoot)
	if err != nil {
		return nil, nil
	}
	x, probs := catalog.Load(env.FS, dir, catalog.LoadOptions{Roots: c.roots, Now: c.opt.Now(), Display: env.Display})
	for _, p := range probs {
		sink.AddError(p.Path, "parse:catalog", p.Err)
	}
	if x.Len() == 0 {
		return nil, nil
	}
	return c.withCatalogDigests(x.Hashes()), func(f *snapshot.File) {
		AddCatalogSignatures(x, f)
		checkSystemFile(f)
	}
}

// systemDirs are the folders (lower case, without the drive) whose PE
// files Windows signs, embedded or by catalog.
var systemDirs = map[string]bool{
	`\windows\system32`:         true,
	`\windows\syswow64`:         true,
	`\windows\system32\drivers`: true,
}

// checkSystemFile flags a PE in a Windows system folder that nothing signs:
// no embedded signature, no catalog listing (only called where catalogs
// were read, after AddCatalogSignatures). A file whose image digests are
// unknown (unparsable) is left alone.
func checkSystemFile(f *snapshot.File) {
	if f.Type != snapshot.TypePE || len(f.Signatures) > 0 ||
		f.Meta[peinfo.MetaAuthentihashSHA1] == "" && f.Meta[peinfo.MetaAuthentihashSHA256] == "" {
		return
	}
	p := f.Path
	if len(p) >= 2 && p[1] == ':' {
		p = p[2:]
	}
	i := strings.LastIndexByte(p, '\\')
	if i < 0 || !systemDirs[strings.ToLower(p[:i])] {
		return
	}
	if company := f.Meta[peinfo.MetaCompanyName]; strings.Contains(strings.ToLower(company), "microsoft") {
		f.Anomalies = append(f.Anomalies, anomaly.New(anomaly.UnsignedMicrosoftFile, fmt.Sprintf(
			"%s claims the vendor %q but has no embedded signature, and none of the system's catalogs lists it",
			peinfo.MetaCompanyName, company)))
		return
	}
	f.Anomalies = append(f.Anomalies, anomaly.New(anomaly.UnsignedSystemFile,
		"no embedded signature, and none of the system's catalogs lists it"))
}

// withCatalogDigests is c recording unsigned PE images' Authenticode
// digests with hs (SHA-1 and SHA-256, as far as hs holds them: the
// algorithms the catalogs list members by).
func (c *Collector) withCatalogDigests(hs []crypto.Hash) *Collector {
	var keep []crypto.Hash
	var names []string
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		if slices.Contains(hs, h) {
			keep = append(keep, h)
			names = append(names, authenticode.HashName(h))
		}
	}
	if len(keep) == 0 || slices.Equal(keep, c.catalogDigests) {
		return c
	}
	v := *c
	v.catalogDigests = keep
	v.version = strings.SplitN(c.version, "+catalog-digests", 2)[0] + "+catalog-digests:" + strings.Join(names, ",")
	return &v
}

// AddCatalogSignatures appends a "catalog" signature to f for every
// catalog in x that lists its Authenticode image digests (recorded in
// f.Meta for unsigned PE images).
func AddCatalogSignatures(x *catalog.Index, f *snapshot.File) {
	if f.Type != snapshot.TypePE || len(f.Meta) == 0 {
		return
	}
	digests := map[crypto.Hash][]byte{}
	for h, k := range peinfo.MetaAuthentihash {
		if d, err := hex.DecodeString(f.Meta[k]); err == nil && len(d) == h.Size() {
			digests[h] = d
		}
	}
	if len(digests) == 0 {
		return
	}
	f.Signatures = append(f.Signatures, x.Signatures(digests)...)
}
