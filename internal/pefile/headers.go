package pefile

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

const (
	coffSize    = 20
	sectionSize = 40
	// Magic32 and Magic64 are the optional header magics of PE32 and PE32+.
	Magic32 = 0x10b
	Magic64 = 0x20b
)

// Data directory indexes.
const (
	DirExport      = 0
	DirImport      = 1
	DirResource    = 2
	DirException   = 3
	DirSecurity    = 4 // a file offset, not an RVA
	DirBaseReloc   = 5
	DirDebug       = 6
	DirTLS         = 9
	DirLoadConfig  = 10
	DirBoundImport = 11
	DirIAT         = 12
	DirDelayImport = 13
	DirCLR         = 14
)

// COFFHeader is IMAGE_FILE_HEADER.
type COFFHeader struct {
	Machine              uint16
	NumberOfSections     uint16
	TimeDateStamp        uint32
	PointerToSymbolTable uint32
	NumberOfSymbols      uint32
	SizeOfOptionalHeader uint16
	Characteristics      uint16
}

func parseCOFF(b []byte) COFFHeader {
	le := binary.LittleEndian
	return COFFHeader{
		Machine: le.Uint16(b), NumberOfSections: le.Uint16(b[2:]), TimeDateStamp: le.Uint32(b[4:]),
		PointerToSymbolTable: le.Uint32(b[8:]), NumberOfSymbols: le.Uint32(b[12:]),
		SizeOfOptionalHeader: le.Uint16(b[16:]), Characteristics: le.Uint16(b[18:]),
	}
}

// DataDirectory is one IMAGE_DATA_DIRECTORY entry.
type DataDirectory struct{ VirtualAddress, Size uint32 }

// OptionalHeader is IMAGE_OPTIONAL_HEADER32 or 64; the 32-bit fields are
// widened. Fields past the bytes the file holds are zero.
type OptionalHeader struct {
	Offset                                 int64 // file offset
	Magic                                  uint16
	MajorLinkerVersion, MinorLinkerVersion uint8
	SizeOfCode, SizeOfInitializedData      uint32
	SizeOfUninitializedData                uint32
	AddressOfEntryPoint, BaseOfCode        uint32
	BaseOfData                             uint32 // PE32 only
	ImageBase                              uint64
	SectionAlignment, FileAlignment        uint32
	MajorOperatingSystemVersion            uint16
	MinorOperatingSystemVersion            uint16
	MajorImageVersion, MinorImageVersion   uint16
	MajorSubsystemVersion                  uint16
	MinorSubsystemVersion                  uint16
	Win32VersionValue, SizeOfImage         uint32
	SizeOfHeaders, CheckSum                uint32
	Subsystem, DllCharacteristics          uint16
	SizeOfStackReserve, SizeOfStackCommit  uint64
	SizeOfHeapReserve, SizeOfHeapCommit    uint64
	LoaderFlags, NumberOfRvaAndSizes       uint32
	DataDirectories                        [16]DataDirectory
}

// readOptional parses the optional header and its data directories. The
// directories are read up to NumberOfRvaAndSizes (at most 16), as the
// loader does, even where SizeOfOptionalHeader says less.
func (f *File) readOptional() error {
	o := &f.Optional
	o.Offset = f.Lfanew + 4 + coffSize
	b := make([]byte, min(240, f.size-o.Offset))
	if _, err := f.r.ReadAt(b, o.Offset); err != nil {
		return errAt(o.Offset, "optional header", "read: %v", err)
	}
	if len(b) < 2 || f.COFF.SizeOfOptionalHeader < 2 {
		return errAt(o.Offset, "optional header", "%d bytes declared, %d in the file: no magic", f.COFF.SizeOfOptionalHeader, len(b))
	}
	le := binary.LittleEndian
	o.Magic = le.Uint16(b)
	var dirs int
	switch o.Magic {
	case Magic32:
		dirs = 96
	case Magic64:
		dirs = 112
	default:
		return errAt(o.Offset, "optional header", "magic %#x is neither PE32 (0x10b) nor PE32+ (0x20b)", o.Magic)
	}
	full := make([]byte, 240) // short headers read as zeros past the file's end
	copy(full, b)
	o.parse(full)
	n := int(min(o.NumberOfRvaAndSizes, 16))
	for i := 0; i < n; i++ {
		p := full[dirs+8*i:]
		o.DataDirectories[i] = DataDirectory{le.Uint32(p), le.Uint32(p[4:])}
	}
	if dirs+8*n > len(b) {
		return errAt(o.Offset, "optional header", "%d data directories run past the end of the %d-byte file", n, f.size)
	}
	return nil
}

func (o *OptionalHeader) parse(b []byte) {
	le := binary.LittleEndian
	o.MajorLinkerVersion, o.MinorLinkerVersion = b[2], b[3]
	o.SizeOfCode, o.SizeOfInitializedData, o.SizeOfUninitializedData = le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])
	o.AddressOfEntryPoint, o.BaseOfCode = le.Uint32(b[16:]), le.Uint32(b[20:])
	if o.Magic == Magic32 {
		o.BaseOfData, o.ImageBase = le.Uint32(b[24:]), uint64(le.Uint32(b[28:]))
	} else {
		o.ImageBase = le.Uint64(b[24:])
	}
	o.SectionAlignment, o.FileAlignment = le.Uint32(b[32:]), le.Uint32(b[36:])
	o.MajorOperatingSystemVersion, o.MinorOperatingSystemVersion = le.Uint16(b[40:]), le.Uint16(b[42:])
	o.MajorImageVersion, o.MinorImageVersion = le.Uint16(b[44:]), le.Uint16(b[46:])
	o.MajorSubsystemVersion, o.MinorSubsystemVersion = le.Uint16(b[48:]), le.Uint16(b[50:])
	o.Win32VersionValue, o.SizeOfImage = le.Uint32(b[52:]), le.Uint32(b[56:])
	o.SizeOfHeaders, o.CheckSum = le.Uint32(b[60:]), le.Uint32(b[64:])
	o.Subsystem, o.DllCharacteristics = le.Uint16(b[68:]), le.Uint16(b[70:])
	if o.Magic == Magic32 {
		o.SizeOfStackReserve, o.SizeOfStackCommit = uint64(le.Uint32(b[72:])), uint64(le.Uint32(b[76:]))
		o.SizeOfHeapReserve, o.SizeOfHeapCommit = uint64(le.Uint32(b[80:])), uint64(le.Uint32(b[84:]))
		o.LoaderFlags, o.NumberOfRvaAndSizes = le.Uint32(b[88:]), le.Uint32(b[92:])
		return
	}
	o.SizeOfStackReserve, o.SizeOfStackCommit = le.Uint64(b[72:]), le.Uint64(b[80:])
	o.SizeOfHeapReserve, o.SizeOfHeapCommit = le.Uint64(b[88:]), le.Uint64(b[96:])
	o.LoaderFlags, o.NumberOfRvaAndSizes = le.Uint32(b[104:]), le.Uint32(b[108:])
}

// Section is one IMAGE_SECTION_HEADER.
type Section struct {
	// Name is the 8-byte name without trailing NULs; FullName resolves a
	// "/123" long name through the COFF string table (else equals Name).
	Name, FullName       string
	VirtualSize          uint32
	VirtualAddress       uint32
	Size                 uint32 // SizeOfRawData
	Offset               uint32 // PointerToRawData
	PointerToRelocations uint32
	PointerToLineNumbers uint32
	NumberOfRelocations  uint16
	NumberOfLineNumbers  uint16
	Characteristics      uint32
}

func (f *File) readSections() error {
	off := f.Optional.Offset + int64(f.COFF.SizeOfOptionalHeader)
	n := int(f.COFF.NumberOfSections)
	var err error
	if n > f.lim.MaxSections {
		err = errAt(f.Lfanew+6, "section count", "%d sections, over the limit of %d: the rest were skipped", n, f.lim.MaxSections)
		n = f.lim.MaxSections
	}
	if avail := (f.size - off) / sectionSize; int64(n) > avail {
		err = errAt(off, "section table", "%d sections declared, room for %d in the %d-byte file", n, max(avail, 0), f.size)
		n = int(max(avail, 0))
	}
	b := make([]byte, n*sectionSize)
	if _, rerr := f.r.ReadAt(b, off); rerr != nil {
		return errAt(off, "section table", "read: %v", rerr)
	}
	le := binary.LittleEndian
	f.Sections = make([]Section, n)
	for i := range f.Sections {
		p := b[i*sectionSize:]
		s := &f.Sections[i]
		s.Name = strings.TrimRight(string(p[:8]), "\x00")
		s.VirtualSize, s.VirtualAddress = le.Uint32(p[8:]), le.Uint32(p[12:])
		s.Size, s.Offset = le.Uint32(p[16:]), le.Uint32(p[20:])
		s.PointerToRelocations, s.PointerToLineNumbers = le.Uint32(p[24:]), le.Uint32(p[28:])
		s.NumberOfRelocations, s.NumberOfLineNumbers = le.Uint16(p[32:]), le.Uint16(p[34:])
		s.Characteristics = le.Uint32(p[36:])
		s.FullName = f.longName(s.Name)
	}
	return err
}

// longName resolves "/N" through the COFF string table (MinGW and Go
// binaries use it for names over 8 bytes); on any trouble it keeps name.
func (f *File) longName(name string) string {
	if !strings.HasPrefix(name, "/") || f.COFF.PointerToSymbolTable == 0 {
		return name
	}
	n, err := strconv.ParseUint(name[1:], 10, 32)
	if err != nil {
		return name
	}
	off := int64(f.COFF.PointerToSymbolTable) + 18*int64(f.COFF.NumberOfSymbols) + int64(n)
	if s := f.cString(off, 256); s != "" {
		return s
	}
	return name
}

// cString reads a NUL-terminated string of at most max bytes at off ("" if
// unreadable).
func (f *File) cString(off int64, maxLen int) string {
	if off < 0 || off >= f.size {
		return ""
	}
	b := make([]byte, min(int64(maxLen), f.size-off))
	n, _ := f.r.ReadAt(b, off)
	b = b[:n]
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// rawStart is where the loader reads a section from: PointerToRawData
// rounded down to 512 when the file alignment is at least 512.
func (f *File) rawStart(s *Section) int64 {
	if f.Optional.FileAlignment >= 0x200 {
		return int64(s.Offset) &^ 0x1ff
	}
	return int64(s.Offset)
}

// RVAToOffset maps a relative virtual address to a file offset: inside a
// section's raw data, or inside the headers before the first section.
func (f *File) RVAToOffset(rva uint32) (int64, bool) {
	for i := range f.Sections {
		s := &f.Sections[i]
		span := max(s.VirtualSize, s.Size)
		if rva < s.VirtualAddress || uint64(rva) >= uint64(s.VirtualAddress)+uint64(span) {
			continue
		}
		d := int64(rva - s.VirtualAddress)
		if d >= int64(s.Size) {
			return 0, false // zero-filled memory, no file bytes
		}
		off := f.rawStart(s) + d
		return off, off < f.size
	}
	if int64(rva) < int64(f.Optional.SizeOfHeaders) && int64(rva) < f.size {
		return int64(rva), true
	}
	return 0, false
}

// readRVA reads n bytes at rva; the bytes must all lie in the file within
// one section's raw data (or the headers).
func (f *File) readRVA(rva uint32, n int64, what string) ([]byte, int64, error) {
	off, ok := f.RVAToOffset(rva)
	if !ok {
		return nil, -1, errAt(-1, what, "RVA %#x maps to no byte of the file", rva)
	}
	if n > f.lim.MaxRead {
		return nil, off, errAt(off, what, "%d bytes, over the %d-byte read limit", n, f.lim.MaxRead)
	}
	if end := f.mappedEnd(rva, off); off+n > end {
		return nil, off, errAt(off, what, "%d bytes at RVA %#x run past the file data of their section (ends at %#x)", n, rva, end)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil {
		return nil, off, errAt(off, what, "read %d bytes: %v", n, err)
	}
	return b, off, nil
}

// mappedEnd is the file offset where the data holding rva (at off) ends.
func (f *File) mappedEnd(rva uint32, off int64) int64 {
	for i := range f.Sections {
		s := &f.Sections[i]
		if rva >= s.VirtualAddress && uint64(rva) < uint64(s.VirtualAddress)+uint64(max(s.VirtualSize, s.Size)) {
			return min(f.rawStart(s)+int64(s.Size), f.size)
		}
	}
	return min(int64(f.Optional.SizeOfHeaders), f.size)
}

// rvaString reads a NUL-terminated ASCII string at rva, at most maxLen
// bytes, stopping at the end of its section's data.
func (f *File) rvaString(rva uint32, maxLen int, what string) (string, error) {
	off, ok := f.RVAToOffset(rva)
	if !ok {
		return "", errAt(-1, what, "RVA %#x maps to no byte of the file", rva)
	}
	n := min(int64(maxLen), f.mappedEnd(rva, off)-off)
	b := make([]byte, max(n, 0))
	if _, err := f.r.ReadAt(b, off); err != nil {
		return "", errAt(off, what, "read: %v", err)
	}
	i := indexByte(b, 0)
	if i < 0 {
		return string(b), errAt(off, what, "no NUL within %d bytes", len(b))
	}
	return string(b[:i]), nil
}

// Directory returns data directory i (zero when absent).
func (f *File) Directory(i int) DataDirectory {
	if i < 0 || i >= 16 || uint32(i) >= f.Optional.NumberOfRvaAndSizes {
		return DataDirectory{}
	}
	return f.Optional.DataDirectories[i]
}

func (d DataDirectory) String() string { return fmt.Sprintf("%#x+%#x", d.VirtualAddress, d.Size) }
