package clr

// The tables whose rows the module reports. Each returns the bytes the
// table spans, as yara steps over it.

// elementTypeString is ELEMENT_TYPE_STRING; yara compares the Constant
// row's type byte and its padding byte together, as one 16-bit word.
const elementTypeString = 0x0e

func (t *tilde) module(off, n int64) int64 {
	if !t.fits(off, 18) { // yara's MODULE_TABLE, whatever the index sizes
		return 0
	}
	if name, ok := t.heapString(t.strHeap, t.index(off+2, t.str)); ok {
		t.md.ModuleName = strp(name)
	}
	return (2 + t.str + 3*t.guid) * n
}

func (t *tilde) moduleRefs(off, n int64) int64 {
	t.md.HasModuleRefs = true
	for i, row := int64(0), off; i < n && t.fits(row, 4); i, row = i+1, row+t.str {
		if name, ok := t.heapString(t.strHeap, t.index(row, t.str)); ok {
			t.md.ModuleRefs = append(t.md.ModuleRefs, name)
		}
	}
	return t.str * n
}

func (t *tilde) fieldRVAs(off, n int64) int64 {
	t.md.HasFieldOffsets = true
	size := 4 + t.idx(tField)
	for i, row := int64(0), off; i < n && t.fits(row, 8); i, row = i+1, row+size {
		if o := t.RVAToOffset(t.u32(row)); o >= 0 {
			t.md.FieldOffsets = append(t.md.FieldOffsets, o)
		}
	}
	return size * n
}

// constants keeps the values of string constants (UTF-16LE bytes, less
// the last byte, as yara 4.2 reads blobs).
func (t *tilde) constants(off, n int64) int64 {
	t.md.HasConstants = true
	parent := t.coded(2, tParam, tField, tProperty)
	size := 2 + parent + t.blob
	for i, row := int64(0), off; i < n && t.fits(row, size); i, row = i+1, row+size {
		if t.u16(row) != elementTypeString {
			continue
		}
		p := t.blobHeap + int64(t.index(row+2+parent, t.blob))
		hs, length := t.blobAt(p)
		if hs == 0 {
			continue
		}
		p += hs
		if p+int64(length) >= int64(len(t.d)) {
			continue
		}
		t.md.Constants = append(t.md.Constants, string(t.d[p:p+int64(length)]))
	}
	return size * n
}

func (t *tilde) version(off int64) Version {
	return Version{uint16(t.u16(off)), uint16(t.u16(off + 2)), uint16(t.u16(off + 4)), uint16(t.u16(off + 6))}
}

// assembly reads the first Assembly row; a row past the end of the file
// leaves the walk where it is (yara does not step over the table then).
func (t *tilde) assembly(off, n int64) int64 {
	size := 16 + t.blob + 2*t.str
	if !t.fits(off, size) {
		return 0
	}
	a := &Assembly{Version: t.version(off + 4)}
	if name, ok := t.heapString(t.strHeap, t.index(off+16+t.blob, t.str)); ok {
		a.Name = strp(name)
	}
	if c, ok := t.heapString(t.strHeap, t.index(off+16+t.blob+t.str, t.str)); ok && c != "" {
		a.Culture = strp(c)
	}
	t.md.Assembly = a
	return size * n
}

func (t *tilde) assemblyRefs(off, n int64) int64 {
	t.md.HasAssemblyRefs = true
	size := 12 + 2*t.blob + 2*t.str
	for i, row := int64(0), off; i < n && t.fits(row, size); i, row = i+1, row+size {
		ref := AssemblyRef{Version: t.version(row)}
		p := t.blobHeap + int64(t.index(row+12, t.blob))
		hs, length := t.blobAt(p)
		p += hs
		if hs != 0 && t.fits(p, int64(length)) {
			if length > 0 {
				ref.PublicKeyOrToken = strp(string(t.d[p : p+int64(length)]))
			}
			if name, ok := t.heapString(t.strHeap, t.index(row+12+t.blob, t.str)); ok {
				ref.Name = strp(name)
			}
		}
		t.md.AssemblyRefs = append(t.md.AssemblyRefs, ref)
	}
	return size * n
}

// resources reads the ManifestResource rows of resources in this file
// (Implementation 0): each one's data is a 4-byte length and the bytes,
// at the row's offset from the CLI header's resources directory.
func (t *tilde) resources(off, n int64) int64 {
	t.md.HasResources = true
	impl := t.coded(2, tFile, tAssemblyRef)
	size := 8 + t.str + impl
	for i, row := int64(0), off; i < n && t.fits(row, size); i, row = i+1, row+size {
		if t.index(row+8+t.str, impl) != 0 {
			continue
		}
		p := t.resBase + int64(t.u32(row))
		if !t.fits(p, 4) {
			continue
		}
		length := t.u32(p)
		if !t.fits(p, int64(length)) {
			continue
		}
		r := Resource{Offset: p + 4, Length: length}
		if name, ok := t.heapString(t.strHeap, t.index(row+8, t.str)); ok {
			r.Name = strp(name)
		}
		t.md.Resources = append(t.md.Resources, r)
	}
	return size * n
}
