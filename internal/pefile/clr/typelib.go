package clr

import "bytes"

// customAttributes looks for the assembly's GuidAttribute (its typelib
// GUID): a CustomAttribute row whose parent is the Assembly and whose
// constructor is a MemberRef of a TypeRef named GuidAttribute, with a
// blob of prolog 0x0001 and a length-prefixed string. The last such row
// wins; an unreadable TypeRef name counts as a match (yara).
func (t *tilde) customAttributes(off, n int64) int64 {
	parent := t.coded(5, tMethodDef, tField, tTypeRef, tTypeDef, tParam, tInterfaceImpl, tMemberRef, tModule,
		tProperty, tEvent, tStandAloneSig, tModuleRef, tTypeSpec, tAssembly, tAssemblyRef, tFile, tExportedType,
		tManifestResource, tGenericParam, tGenericParamConstraint, tMethodSpec)
	typ := t.coded(3, tMethodDef, tMemberRef)
	size := parent + typ + t.blob
	if t.typeRef < 0 || t.memberRef < 0 {
		return size * n
	}
	for i, row := int64(0), off; i < n; i, row = i+1, row+size {
		if !t.fits(row, size) {
			break
		}
		lib, ok, stop := t.guidAttribute(row, parent, typ)
		if stop {
			break
		}
		if ok {
			t.md.Typelib = strp(lib)
		}
	}
	return size * n
}

// guidAttribute checks one CustomAttribute row; stop is set when a
// referenced row lies outside the file, which ends yara's loop.
func (t *tilde) guidAttribute(row, parent, typ int64) (lib string, ok, stop bool) {
	if t.index(row, parent)&0x1f != 0x0e { // the Assembly, as a HasCustomAttribute

		return "", false, false
	}
	ctor := t.index(row+parent, typ)
	if ctor&7 != 3 { // MemberRef
		return "", false, false
	}
	mr := t.memberRef + t.memberRefRow*int64(max(ctor>>3, 1)-1)
	if !t.fits(mr, t.memberRefRow) {
		return "", false, true
	}
	class := t.index(mr, t.idx(tMemberRef)) // yara sizes the Class column so
	if class&7 != 1 {                       // TypeRef
		return "", false, false
	}
	tr := t.typeRef + t.typeRefRow*int64(max(class>>3, 1)-1)
	if !t.fits(tr, t.typeRefRow) {
		return "", false, true
	}
	name, named := t.heapString(t.strHeap, t.index(tr+t.resolutionScope(), t.str))
	if named && !bytes.HasPrefix([]byte(name), []byte("GuidAttribute")) {
		return "", false, false
	}
	bi := t.index(row+parent+typ, t.blob)
	p := t.blobHeap + int64(bi)
	if bi == 0 || p >= int64(len(t.d)) {
		return "", false, false
	}
	hs, length := t.blobAt(p)
	if hs == 0 {
		return "", false, false
	}
	p += hs
	if length < 3 || p+int64(length) >= int64(len(t.d)) || t.u16(p) != 1 {
		return "", false, false
	}
	n := int64(t.d[p+2])
	p += 3
	if p+n > int64(len(t.d)) {
		return "", false, false
	}
	if t.d[p] == 0xff || t.d[p] == 0 {
		return "", true, false
	}
	s := t.d[p : p+n]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s), true, false
}
