package clr

import "math/bits"

// Metadata table numbers (ECMA-335 II.22; the *Ptr and ENC tables are
// the unoptimised #- stream's).
const (
	tModule, tTypeRef, tTypeDef, tFieldPtr, tField, tMethodPtr, tMethodDef, tParamPtr = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
	tParam, tInterfaceImpl, tMemberRef, tConstant, tCustomAttribute, tFieldMarshal    = 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d
	tDeclSecurity, tClassLayout, tFieldLayout, tStandAloneSig, tEventMap, tEventPtr   = 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13
	tEvent, tPropertyMap, tPropertyPtr, tProperty, tMethodSemantics, tMethodImpl      = 0x14, 0x15, 0x16, 0x17, 0x18, 0x19
	tModuleRef, tTypeSpec, tImplMap, tFieldRVA, tENCLog, tENCMap                      = 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
	tAssembly, tAssemblyProcessor, tAssemblyOS, tAssemblyRef                          = 0x20, 0x21, 0x22, 0x23
	tAssemblyRefProcessor, tAssemblyRefOS, tFile, tExportedType                       = 0x24, 0x25, 0x26, 0x27
	tManifestResource, tNestedClass, tGenericParam, tMethodSpec                       = 0x28, 0x29, 0x2a, 0x2b
	tGenericParamConstraint                                                           = 0x2c
)

// maxRows is yara's bound on one table's rows: a larger count ends the
// walk of the tables.
const maxRows = 10000

// tilde is the state of one walk of the #~ tables.
type tilde struct {
	img
	md                       *Metadata
	rows                     [64]uint32 // row counts, from the header
	str, guid, blob          int64      // heap index sizes, 2 or 4
	strHeap, blobHeap        int64      // file offsets of the heaps
	resBase                  int64      // file offset of the CLI resources (-1: unmapped)
	typeRef, memberRef       int64      // file offsets of those tables (-1: not seen yet)
	typeRefRow, memberRefRow int64
}

// tables reads the #~ stream: the header, the row counts, then the
// tables of interest in order, skipping the others by their row sizes.
func (m img) tables(md *Metadata, root, cli int64, st streams) error {
	hdr := root + int64(m.u32(st.tilde))
	if !m.fits(hdr, 24) {
		return errAt(hdr, "#~ stream", "its 24-byte header is not inside the file")
	}
	t := &tilde{img: m, md: md, str: 2, guid: 2, blob: 2, typeRef: -1, memberRef: -1,
		strHeap: root + int64(m.u32(st.strings)), blobHeap: root + int64(m.u32(st.blob))}
	heaps := m.u8(hdr + 6)
	if heaps&1 != 0 {
		t.str = 4
	}
	if heaps&2 != 0 {
		t.guid = 4
	}
	if heaps&4 != 0 {
		t.blob = 4
	}
	valid := uint64(m.u32(hdr+8)) | uint64(m.u32(hdr+12))<<32
	rowOff := hdr + 24
	matched := int64(0)
	for bit := 0; bit < 64; bit++ {
		if valid>>bit&1 == 0 {
			continue
		}
		if m.fits(rowOff, 4*(matched+1)) {
			t.rows[bit] = m.u32(rowOff + 4*matched)
		}
		matched++
	}
	t.resBase = m.RVAToOffset(m.u32(cli + 24))
	return t.walk(valid, rowOff, rowOff+4*int64(bits.OnesCount64(valid)))
}

func (t *tilde) walk(valid uint64, rowOff, table int64) error {
	matched := int64(0)
	for bit := 0; bit < 64; bit++ {
		if valid>>bit&1 == 0 {
			continue
		}
		at := rowOff + 4*matched
		if !t.fits(at, 4) {
			return errAt(at, "#~ row counts", "table %#x's row count is past the end of the file", bit)
		}
		n := int64(t.u32(at))
		if n > maxRows {
			return errAt(at, "#~ row counts", "table %#x has %d rows, over the limit of %d: it and the tables after it were skipped", bit, n, maxRows)
		}
		size, ok := t.table(bit, table, n)
		if !ok {
			return errAt(at, "#~ tables", "table %#x is one yara 4.2 does not know: it and the tables after it were skipped", bit)
		}
		table += size
		matched++
	}
	return nil
}

// idx is the size of a simple index into table tab.
func (t *tilde) idx(tab int) int64 {
	if t.rows[tab] > 0xffff {
		return 4
	}
	return 2
}

// coded is the size of a coded index with tagBits of tag over tabs
// (ECMA-335 II.24.2.6).
func (t *tilde) coded(tagBits uint, tabs ...int) int64 {
	var most uint32
	for _, x := range tabs {
		most = max(most, t.rows[x])
	}
	if most > 0xffff>>tagBits {
		return 4
	}
	return 2
}

// Coded index sizes yara uses.
func (t *tilde) typeDefOrRef() int64 { return t.coded(2, tTypeDef, tTypeRef, tTypeSpec) }
func (t *tilde) resolutionScope() int64 {
	return t.coded(2, tModule, tModuleRef, tAssemblyRef, tTypeRef)
}

// table reads or skips table tab of n rows at off and returns the bytes
// it spans (yara's table_offset step); false for a table yara does not
// know, which ends the walk.
func (t *tilde) table(tab int, off, n int64) (int64, bool) {
	switch tab {
	case tModule:
		return t.module(off, n), true
	case tTypeRef:
		t.typeRef, t.typeRefRow = off, t.resolutionScope()+2*t.str
		return t.typeRefRow * n, true
	case tMemberRef:
		t.memberRef, t.memberRefRow = off, t.coded(3, tMethodDef, tModuleRef, tTypeRef, tTypeSpec)+t.str+t.blob
		return t.memberRefRow * n, true
	case tConstant:
		return t.constants(off, n), true
	case tCustomAttribute:
		return t.customAttributes(off, n), true
	case tModuleRef:
		return t.moduleRefs(off, n), true
	case tFieldRVA:
		return t.fieldRVAs(off, n), true
	case tAssembly:
		return t.assembly(off, n), true
	case tAssemblyRef:
		return t.assemblyRefs(off, n), true
	case tManifestResource:
		return t.resources(off, n), true
	}
	size, ok := t.rowSize(tab)
	return size * n, ok
}

// rowSize is the row size of a table the walk skips, as yara computes it
// (AssemblyRefProcessor's AssemblyRef column uses the
// AssemblyRefProcessor row count, as in yara).
func (t *tilde) rowSize(tab int) (int64, bool) {
	s, b := t.str, t.blob
	switch tab {
	case tTypeDef:
		return 4 + 2*s + t.typeDefOrRef() + t.idx(tField) + t.idx(tMethodDef), true
	case tFieldPtr:
		return t.idx(tField), true
	case tField, tProperty:
		return 2 + s + b, true
	case tMethodPtr:
		return t.idx(tMethodDef), true
	case tMethodDef:
		return 8 + s + b + t.idx(tParam), true
	case tParam:
		return 4 + s, true
	case tInterfaceImpl:
		return t.idx(tTypeDef) + t.typeDefOrRef(), true
	case tFieldMarshal:
		return t.coded(1, tField, tParam) + b, true
	case tDeclSecurity:
		return 2 + t.coded(2, tTypeDef, tMethodDef, tAssembly) + b, true
	case tClassLayout:
		return 6 + t.idx(tTypeDef), true
	case tFieldLayout:
		return 4 + t.idx(tField), true
	case tStandAloneSig, tTypeSpec:
		return b, true
	case tEventMap:
		return t.idx(tTypeDef) + t.idx(tEvent), true
	case tEventPtr:
		return t.idx(tEvent), true
	case tEvent:
		return 2 + s + t.typeDefOrRef(), true
	case tPropertyMap:
		return t.idx(tTypeDef) + t.idx(tProperty), true
	case tPropertyPtr:
		return t.idx(tProperty), true
	case tMethodSemantics:
		return 2 + t.idx(tMethodDef) + t.coded(1, tEvent, tProperty), true
	case tMethodImpl:
		return t.idx(tTypeDef) + 2*t.coded(1, tMethodDef, tMemberRef), true
	case tImplMap:
		return 2 + t.coded(1, tField, tMethodDef) + s + t.idx(tModuleRef), true
	case tENCLog:
		return 8, true
	case tENCMap, tAssemblyProcessor:
		return 4, true
	case tAssemblyOS:
		return 12, true
	case tAssemblyRefProcessor:
		return 4 + t.idx(tAssemblyRefProcessor), true
	case tAssemblyRefOS:
		return 12 + t.idx(tAssemblyRef), true
	case tFile:
		return 4 + s + b, true
	case tExportedType:
		return 8 + 2*s + t.coded(2, tFile, tAssemblyRef, tExportedType), true
	case tNestedClass:
		return 2 * t.idx(tTypeDef), true
	case tGenericParam:
		return 4 + t.coded(1, tTypeDef, tMethodDef) + s, true
	case tMethodSpec:
		return t.coded(1, tMethodDef, tMemberRef) + b, true
	case tGenericParamConstraint:
		return t.idx(tGenericParam) + t.typeDefOrRef(), true
	}
	return 0, false
}
