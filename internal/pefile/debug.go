package pefile

import (
	"encoding/binary"
	"fmt"
)

// Debug directory entry types.
const (
	DebugCodeView = 2
	DebugPOGO     = 13
	DebugRepro    = 16
)

// DebugEntry is one IMAGE_DEBUG_DIRECTORY entry, with its CodeView record
// or POGO list decoded when it is one.
type DebugEntry struct {
	Offset           int64 // file offset of the entry
	Characteristics  uint32
	TimeDateStamp    uint32
	MajorVersion     uint16
	MinorVersion     uint16
	Type             uint32
	SizeOfData       uint32
	AddressOfRawData uint32
	PointerToRawData uint32
	CodeView         *CodeView // Type DebugCodeView with an RSDS or NB10 record
	POGO             []POGOEntry
}

// CodeView is a PDB reference: RSDS (GUID) or the older NB10 (signature).
type CodeView struct {
	Format    string // "RSDS" or "NB10"
	GUID      string // RSDS: 8-4-4-4-12 upper-case hex as Windows prints it
	Signature uint32 // NB10
	Age       uint32
	PDBPath   string // bytes as stored (UTF-8 by convention), NULs cut
}

// POGOEntry is one section of a POGO (profile-guided optimisation) record.
type POGOEntry struct {
	RVA, Size uint32
	Name      string
}

const (
	debugEntrySize = 28
	maxCodeView    = 4096
	maxPOGO        = 4096
)

// Debug reads the debug directory.
func (f *File) Debug() ([]DebugEntry, error) {
	d := f.Directory(DirDebug)
	if d.VirtualAddress == 0 || d.Size == 0 {
		return nil, nil
	}
	n := int(d.Size / debugEntrySize)
	var errs errList
	if n > f.lim.MaxDebugEntries {
		errs.add(errAt(-1, "debug directory", "%d entries, over the limit of %d: the rest skipped", n, f.lim.MaxDebugEntries))
		n = f.lim.MaxDebugEntries
	}
	b, off, err := f.readRVA(d.VirtualAddress, int64(n*debugEntrySize), "debug directory")
	if err != nil {
		errs.add(err)
		return nil, errs.err()
	}
	le := binary.LittleEndian
	out := make([]DebugEntry, n)
	for i := range out {
		p := b[i*debugEntrySize:]
		e := &out[i]
		*e = DebugEntry{Offset: off + int64(i*debugEntrySize), Characteristics: le.Uint32(p), TimeDateStamp: le.Uint32(p[4:]),
			MajorVersion: le.Uint16(p[8:]), MinorVersion: le.Uint16(p[10:]), Type: le.Uint32(p[12:]),
			SizeOfData: le.Uint32(p[16:]), AddressOfRawData: le.Uint32(p[20:]), PointerToRawData: le.Uint32(p[24:])}
		errs.add(f.debugData(e))
	}
	return out, errs.err()
}

// debugData decodes a CodeView or POGO entry's data, read from
// PointerToRawData (what the loader-independent tools use) or, when that is
// zero, from AddressOfRawData.
func (f *File) debugData(e *DebugEntry) error {
	var limit int64
	switch e.Type {
	case DebugCodeView:
		limit = maxCodeView
	case DebugPOGO:
		limit = maxPOGO
	default:
		return nil
	}
	b, err := f.debugBytes(e, min(int64(e.SizeOfData), limit))
	if err != nil {
		return err
	}
	if e.Type == DebugPOGO {
		e.POGO = parsePOGO(b)
		return nil
	}
	cv, err := parseCodeView(b)
	if err != nil {
		return errAt(int64(e.PointerToRawData), "CodeView record", "%v", err)
	}
	e.CodeView = cv
	return nil
}

func (f *File) debugBytes(e *DebugEntry, n int64) ([]byte, error) {
	if e.PointerToRawData == 0 {
		b, _, err := f.readRVA(e.AddressOfRawData, n, "debug data")
		return b, err
	}
	off := int64(e.PointerToRawData)
	if off+n > f.size {
		return nil, errAt(e.Offset, "debug entry", "%d bytes of data at %#x run past the end of the %d-byte file", n, off, f.size)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil {
		return nil, errAt(off, "debug data", "read: %v", err)
	}
	return b, nil
}

func parseCodeView(b []byte) (*CodeView, error) {
	le := binary.LittleEndian
	if len(b) < 4 {
		return nil, fmt.Errorf("%d bytes, too short for a signature", len(b))
	}
	switch sig := string(b[:4]); sig {
	case "RSDS":
		if len(b) < 24 {
			return nil, fmt.Errorf("RSDS record of %d bytes, under 24", len(b))
		}
		g := b[4:20]
		guid := fmt.Sprintf("%08X-%04X-%04X-%X-%X", le.Uint32(g), le.Uint16(g[4:]), le.Uint16(g[6:]), g[8:10], g[10:16])
		return &CodeView{Format: sig, GUID: guid, Age: le.Uint32(b[20:]), PDBPath: cstr(b[24:])}, nil
	case "NB10":
		if len(b) < 16 {
			return nil, fmt.Errorf("NB10 record of %d bytes, under 16", len(b))
		}
		return &CodeView{Format: sig, Signature: le.Uint32(b[8:]), Age: le.Uint32(b[12:]), PDBPath: cstr(b[16:])}, nil
	default:
		return nil, fmt.Errorf("signature %q is neither RSDS nor NB10", b[:4])
	}
}

func cstr(b []byte) string {
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parsePOGO decodes "PGU\0"/"PGI\0" records: RVA, size, NUL-terminated
// name padded to 4 bytes.
func parsePOGO(b []byte) []POGOEntry {
	if len(b) < 4 {
		return nil
	}
	var out []POGOEntry
	le := binary.LittleEndian
	for p := 4; p+8 < len(b) && len(out) < maxPOGO; {
		name := cstr(b[p+8:])
		out = append(out, POGOEntry{RVA: le.Uint32(b[p:]), Size: le.Uint32(b[p+4:]), Name: name})
		p = align4(p + 8 + len(name) + 1)
	}
	return out
}

// PDB returns the first CodeView record among entries, or nil.
func PDB(entries []DebugEntry) *CodeView {
	for _, e := range entries {
		if e.CodeView != nil {
			return e.CodeView
		}
	}
	return nil
}

// HasRepro reports a REPRO entry: the COFF TimeDateStamp is then a hash of
// the content, not a time.
func HasRepro(entries []DebugEntry) bool {
	for _, e := range entries {
		if e.Type == DebugRepro {
			return true
		}
	}
	return false
}
