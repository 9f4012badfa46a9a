package sbom

import (
	"bytes"
	"strings"

	"github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func spdxDoc(name string, data []byte, isJSON bool, opt Options) ([]*snapshot.Snapshot, error) {
	var doc *spdx.Document
	var err error
	if isJSON {
		doc, err = json.Read(bytes.NewReader(data))
	} else {
		doc, err = tagvalue.Read(bytes.NewReader(data))
	}
	if err != nil {
		return nil, err
	}
	created := ""
	if doc.CreationInfo != nil {
		created = doc.CreationInfo.Created
	}
	s := newSBOMSnapshot(doc.DocumentName, created, opt)
	for _, p := range doc.Packages {
		if p == nil || p.PackageName == "" {
			continue
		}
		purl := ""
		for _, ref := range p.PackageExternalReferences {
			if ref != nil && strings.EqualFold(ref.RefType, "purl") {
				purl = ref.Locator
			}
		}
		sw := snapshot.Software{Name: p.PackageName, Version: p.PackageVersion, Identifier: purl,
			Ecosystem: ecosystem(purl), Source: "sbom:" + name + "#" + string(p.PackageSPDXIdentifier)}
		if p.PackageSupplier != nil && p.PackageSupplier.Supplier != "NOASSERTION" {
			sw.Vendor = p.PackageSupplier.Supplier
		}
		s.Software = append(s.Software, sw)
	}
	for _, f := range doc.Files {
		if f == nil || f.FileName == "" {
			continue
		}
		rec := snapshot.File{Path: strings.TrimPrefix(f.FileName, "./"), Type: snapshot.TypeOther}
		for _, c := range f.Checksums {
			switch c.Algorithm {
			case spdx.SHA256:
				rec.SHA256 = digestField(c.Value, 64)
			case spdx.SHA1:
				rec.SHA1 = digestField(c.Value, 40)
			case spdx.MD5:
				rec.MD5 = digestField(c.Value, 32)
			}
		}
		s.Files = append(s.Files, rec)
	}
	return []*snapshot.Snapshot{s}, nil
}
