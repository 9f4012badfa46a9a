package pefile

import (
	"encoding/binary"
	"unicode/utf16"
)

// Resource types used here.
const (
	RTIcon     = 3
	RTVersion  = 16
	RTManifest = 24
)

// ResourceID names a resource directory level: a numeric ID or a name.
type ResourceID struct {
	ID    uint32
	Name  string
	Named bool
}

// Resource is one leaf of the resource tree, with the IDs of the levels
// above it (type, name, language; a leaf at another depth keeps the levels
// it has).
type Resource struct {
	Type, Name, Lang ResourceID
	Depth            int    // levels above the leaf (3 in a normal tree)
	DataRVA          uint32 // IMAGE_RESOURCE_DATA_ENTRY
	Size             uint32
	CodePage         uint32
	Offset           int64 // file offset of the data, -1 when it maps to no file byte
	EntryOffset      int64 // file offset of the data entry
}

// Resources is the resource tree, flattened to its leaves in file order.
type Resources struct {
	// The root directory's header fields (YARA's resource_timestamp and
	// resource_version).
	TimeDateStamp              uint32
	MajorVersion, MinorVersion uint16
	Entries                    []Resource
}

type resWalk struct {
	f       *File
	base    uint32 // RVA of the root directory
	size    uint32
	seen    map[uint32]bool
	visited int
	out     *Resources
	errs    errList
}

// Resources walks the resource tree. It returns the leaves it reached and
// an error for every directory or entry it could not read; a loop or a
// tree deeper than Limits.MaxResourceDepth is cut where it starts.
func (f *File) Resources() (*Resources, error) {
	d := f.Directory(DirResource)
	if d.VirtualAddress == 0 {
		return nil, nil
	}
	w := &resWalk{f: f, base: d.VirtualAddress, size: d.Size, seen: map[uint32]bool{}, out: &Resources{}}
	w.dir(0, nil)
	return w.out, w.errs.err()
}

func (w *resWalk) fail(err error) { w.errs.add(err) }

// dir reads the directory at rel (an offset from the root) whose path from
// the root is path.
func (w *resWalk) dir(rel uint32, path []ResourceID) {
	if w.seen[rel] {
		w.fail(errAt(w.offset(rel), "resource directory", "reached again through its own subtree: loop cut"))
		return
	}
	w.seen[rel] = true
	if !w.count(rel) {
		return
	}
	hdr, off, err := w.f.readRVA(w.base+rel, 16, "resource directory")
	if err != nil {
		w.fail(err)
		return
	}
	le := binary.LittleEndian
	if rel == 0 {
		w.out.TimeDateStamp = le.Uint32(hdr[4:])
		w.out.MajorVersion, w.out.MinorVersion = le.Uint16(hdr[8:]), le.Uint16(hdr[10:])
	}
	n := int(le.Uint16(hdr[12:])) + int(le.Uint16(hdr[14:]))
	ents, _, err := w.f.readRVA(w.base+rel+16, int64(8*n), "resource directory entries")
	if err != nil {
		w.fail(errAt(off, "resource directory", "%d entries: %v", n, err))
		return
	}
	for i := 0; i < n && w.visited <= w.f.lim.MaxResources; i++ {
		w.entry(ents[8*i:], off+16+int64(8*i), path)
	}
}

func (w *resWalk) entry(e []byte, off int64, path []ResourceID) {
	le := binary.LittleEndian
	name, target := le.Uint32(e), le.Uint32(e[4:])
	id := ResourceID{ID: name}
	if name&0x80000000 != 0 {
		s, err := w.name(name & 0x7fffffff)
		if err != nil {
			w.fail(errAt(off, "resource entry name", "%v", err))
		}
		id = ResourceID{Name: s, Named: true}
	}
	path = append(path[:len(path):len(path)], id)
	if target&0x80000000 != 0 {
		if len(path) >= w.f.lim.MaxResourceDepth {
			w.fail(errAt(off, "resource entry", "subdirectory deeper than %d levels: cut", w.f.lim.MaxResourceDepth))
			return
		}
		w.dir(target&0x7fffffff, path)
		return
	}
	w.leaf(target, off, path)
}

// count counts one directory or leaf at rel, false once over the limit
// (the first time with an error).
func (w *resWalk) count(rel uint32) bool {
	if w.visited++; w.visited <= w.f.lim.MaxResources {
		return true
	}
	if w.visited == w.f.lim.MaxResources+1 {
		w.fail(errAt(w.offset(rel), "resource tree", "over %d directories and entries: the rest skipped", w.f.lim.MaxResources))
	}
	return false
}

func (w *resWalk) leaf(rel uint32, entryOff int64, path []ResourceID) {
	if !w.count(rel) {
		return
	}
	b, off, err := w.f.readRVA(w.base+rel, 16, "resource data entry")
	if err != nil {
		w.fail(errAt(entryOff, "resource entry", "data entry: %v", err))
		return
	}
	le := binary.LittleEndian
	r := Resource{Depth: len(path), DataRVA: le.Uint32(b), Size: le.Uint32(b[4:]), CodePage: le.Uint32(b[8:]), Offset: -1, EntryOffset: off}
	for i, p := range []*ResourceID{&r.Type, &r.Name, &r.Lang} {
		if i < len(path) {
			*p = path[i]
		}
	}
	if o, ok := w.f.RVAToOffset(r.DataRVA); ok {
		r.Offset = o
	}
	w.out.Entries = append(w.out.Entries, r)
}

// name reads an IMAGE_RESOURCE_DIR_STRING_U at rel.
func (w *resWalk) name(rel uint32) (string, error) {
	b, off, err := w.f.readRVA(w.base+rel, 2, "resource name")
	if err != nil {
		return "", err
	}
	n := int64(binary.LittleEndian.Uint16(b))
	s, _, err := w.f.readRVA(w.base+rel+2, 2*n, "resource name")
	if err != nil {
		return "", errAt(off, "resource name", "%d characters: %v", n, err)
	}
	return decodeUTF16(s), nil
}

func (w *resWalk) offset(rel uint32) int64 {
	if o, ok := w.f.RVAToOffset(w.base + rel); ok {
		return o
	}
	return -1
}

// decodeUTF16 decodes little-endian UTF-16 (an odd last byte is dropped).
func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// ResourceData reads a leaf's data, up to Limits.MaxRead bytes.
func (f *File) ResourceData(r Resource) ([]byte, error) {
	b, _, err := f.readRVA(r.DataRVA, int64(r.Size), "resource data")
	return b, err
}
