package sbom

import (
	"bytes"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func cyclone(name string, data []byte, isJSON bool, opt Options) ([]*snapshot.Snapshot, error) {
	format := cdx.BOMFileFormatXML
	if isJSON {
		format = cdx.BOMFileFormatJSON
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		return nil, err
	}
	subject, created := "", ""
	if m := bom.Metadata; m != nil {
		created = m.Timestamp
		if c := m.Component; c != nil {
			subject = c.Name
			if c.Version != "" {
				subject += "@" + c.Version
			}
		}
	}
	s := newSBOMSnapshot(subject, created, opt)
	if bom.Components != nil {
		addComponents(s, name, *bom.Components, 0)
	}
	return []*snapshot.Snapshot{s}, nil
}

// addComponents adds components and their nested components (to a depth
// that no real SBOM reaches).
func addComponents(s *snapshot.Snapshot, doc string, comps []cdx.Component, depth int) {
	if depth > 32 {
		return
	}
	for i := range comps {
		c := &comps[i]
		if c.Type == cdx.ComponentTypeFile {
			s.Files = append(s.Files, componentFile(c))
		} else if c.Name != "" {
			s.Software = append(s.Software, snapshot.Software{Name: c.Name, Version: c.Version, Vendor: vendor(c),
				Identifier: c.PackageURL, Ecosystem: ecosystem(c.PackageURL), Source: "sbom:" + doc + "#" + c.BOMRef})
		}
		if c.Components != nil {
			addComponents(s, doc, *c.Components, depth+1)
		}
	}
}

func vendor(c *cdx.Component) string {
	switch {
	case c.Supplier != nil && c.Supplier.Name != "":
		return c.Supplier.Name
	case c.Publisher != "":
		return c.Publisher
	}
	return c.Group
}

func componentFile(c *cdx.Component) snapshot.File {
	f := snapshot.File{Path: c.Name, Type: snapshot.TypeOther}
	if c.Hashes == nil {
		return f
	}
	for _, h := range *c.Hashes {
		switch h.Algorithm {
		case cdx.HashAlgoSHA256:
			f.SHA256 = digestField(h.Value, 64)
		case cdx.HashAlgoSHA1:
			f.SHA1 = digestField(h.Value, 40)
		case cdx.HashAlgoMD5:
			f.MD5 = digestField(h.Value, 32)
		}
	}
	return f
}
