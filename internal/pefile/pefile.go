// Package pefile reads the structures of a PE (Portable Executable) image
// that a scanner needs, from an io.ReaderAt, with the standard library only:
// the DOS, COFF and optional headers, the section table, the Rich header,
// the resource tree, the version resource (VS_VERSIONINFO), the debug
// directory (CodeView RSDS/NB10, REPRO, POGO), imports, delay-load imports
// and exports.
//
// It is written for hostile input. Nothing is loaded or executed; every
// count and size is capped (Limits), the resource tree is walked with a
// depth bound and its loops are cut, and every error is an *Error that
// names the file offset and the reason. A method returns what it could read
// together with the errors for what it could not, so one corrupt directory
// never hides the others. The package never panics (FuzzFile checks).
//
// # Shape of the API, and the YARA pe module
//
// Open reads the headers, the section table and the Rich header and keeps
// the reader; everything else is parsed on demand by a method (Resources,
// VersionInfo, Debug, Imports, DelayImports, Exports), so a caller that
// wants only the version strings pays only for them. The types are chosen so
// that the YARA `pe` module can be built on this package without reading a
// byte itself:
//
//   - pe.machine, characteristics, timestamp, number_of_sections,
//     pointer_to_symbol_table, number_of_symbols, size_of_optional_header:
//     File.COFF.
//   - pe.opthdr_magic, entry_point_raw, image_base, subsystem,
//     dll_characteristics, linker/os/image/subsystem versions, checksum,
//     size_of_* fields, number_of_rva_and_sizes, data_directories[i]:
//     File.Optional and File.Optional.DataDirectories (all 16 slots kept,
//     with the declared count in NumberOfRvaAndSizes).
//   - pe.entry_point (a file offset): File.EntryPointOffset.
//   - pe.sections[i] (name, full_name, raw_data_offset, raw_data_size,
//     virtual_address, virtual_size, characteristics, …): File.Sections;
//     pe.section_index(): search File.Sections.
//   - pe.overlay.offset/size: File.Overlay.
//   - pe.rich_signature (offset, length, key, raw_data, clear_data,
//     version(), toolid()): File.Rich, its Entries carry the product id,
//     build and count.
//   - pe.resources[i] (type, id, language, *_string, offset, length),
//     number_of_resources, resource_timestamp and versions: File.Resources;
//     offsets there are file offsets.
//   - pe.version_info and version_info_list: File.VersionInfo (every string
//     table, in file order, with its language/code page key).
//   - pe.imports(), number_of_imports, number_of_imported_functions,
//     import_details, imphash(), is_32bit/is_64bit: File.Imports (DLL names
//     as written, function names or ordinals, thunk RVAs); delayed imports:
//     File.DelayImports.
//   - pe.exports(), exports_index(), number_of_exports, dll_name,
//     export_timestamp, export_details (with forwarders): File.Exports.
//   - pe.pdb_path and the CodeView GUID/age: File.Debug.
//   - pe.is_dll(): File.IsDLL.
//
// Signatures (pe.signatures) are read by the code-signing packages from the
// certificate table, whose location is Optional.DataDirectories[DirSecurity].
package pefile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Error is a structural problem at a file offset.
type Error struct {
	Off  int64  // file offset of the structure (-1 when it has none)
	What string // the structure, e.g. "import descriptor 3"
	Why  string
	err  error // the cause errors.Is sees (ErrNotPE)
}

func (e *Error) Error() string {
	if e.Off < 0 {
		return fmt.Sprintf("%s: %s", e.What, e.Why)
	}
	return fmt.Sprintf("%s at %#x: %s", e.What, e.Off, e.Why)
}

func errAt(off int64, what, format string, a ...any) *Error {
	return &Error{Off: off, What: what, Why: fmt.Sprintf(format, a...)}
}

// ErrNotPE is returned (wrapped in an *Error) by Open when the input has no
// MZ header or no PE signature: it is not a PE image at all.
var ErrNotPE = errors.New("not a PE image")

// Limits caps what one image may make the reader hold or walk. Zero fields
// take the defaults; a field cannot be set above its hard cap.
type Limits struct {
	MaxSections        int   // default and cap 1024 (the loader allows 96 before Windows 10, 65535 after)
	MaxResources       int   // resource leaves and directories, default 16384
	MaxResourceDepth   int   // default 8 (a normal tree has 3 levels)
	MaxImportDLLs      int   // default 4096 (imports and delay imports, each)
	MaxImportFunctions int   // total functions over all DLLs, default 65536
	MaxExports         int   // default 65536
	MaxDebugEntries    int   // default 64
	MaxRead            int64 // one structure read (a version resource, a CodeView record), default 4 MiB
}

var hardCaps = Limits{
	MaxSections: 1024, MaxResources: 1 << 16, MaxResourceDepth: 16, MaxImportDLLs: 1 << 14,
	MaxImportFunctions: 1 << 20, MaxExports: 1 << 20, MaxDebugEntries: 1024, MaxRead: 64 << 20,
}

var defaults = Limits{
	MaxSections: 1024, MaxResources: 16384, MaxResourceDepth: 8, MaxImportDLLs: 4096,
	MaxImportFunctions: 65536, MaxExports: 65536, MaxDebugEntries: 64, MaxRead: 4 << 20,
}

func capInt[T int | int64](v, def, hard T) T {
	if v <= 0 {
		return def
	}
	return min(v, hard)
}

func (l Limits) norm() Limits {
	return Limits{
		MaxSections:        capInt(l.MaxSections, defaults.MaxSections, hardCaps.MaxSections),
		MaxResources:       capInt(l.MaxResources, defaults.MaxResources, hardCaps.MaxResources),
		MaxResourceDepth:   capInt(l.MaxResourceDepth, defaults.MaxResourceDepth, hardCaps.MaxResourceDepth),
		MaxImportDLLs:      capInt(l.MaxImportDLLs, defaults.MaxImportDLLs, hardCaps.MaxImportDLLs),
		MaxImportFunctions: capInt(l.MaxImportFunctions, defaults.MaxImportFunctions, hardCaps.MaxImportFunctions),
		MaxExports:         capInt(l.MaxExports, defaults.MaxExports, hardCaps.MaxExports),
		MaxDebugEntries:    capInt(l.MaxDebugEntries, defaults.MaxDebugEntries, hardCaps.MaxDebugEntries),
		MaxRead:            capInt(l.MaxRead, defaults.MaxRead, hardCaps.MaxRead),
	}
}

// File is an opened PE image. Its methods read from the ReaderAt given to
// Open, which must stay usable; they are safe for concurrent use.
type File struct {
	r    io.ReaderAt
	size int64
	lim  Limits

	Lfanew   int64 // e_lfanew: file offset of the PE signature
	COFF     COFFHeader
	Optional OptionalHeader
	Sections []Section
	// EntryPointOffset is the file offset of AddressOfEntryPoint, or -1
	// when it maps to no file byte.
	EntryPointOffset int64
	// Overlay is the data after the last section's raw data (zero Size:
	// none). The certificate table, when present, is part of it.
	Overlay struct{ Offset, Size int64 }
	// Rich is the decoded Rich header, nil when there is none.
	Rich *RichHeader
}

// Size is the image's size in bytes as given to Open.
func (f *File) Size() int64 { return f.size }

// Characteristics bits of the COFF header.
const (
	CharExecutable = 0x0002
	CharDLL        = 0x2000
)

// IsDLL reports whether the COFF characteristics mark the image a DLL.
func (f *File) IsDLL() bool { return f.COFF.Characteristics&CharDLL != 0 }

// Is64 reports a PE32+ image.
func (f *File) Is64() bool { return f.Optional.Magic == Magic64 }

// Open reads the headers, the section table and the Rich header of the
// image r of size bytes. It fails (with ErrNotPE inside) when r is not a PE
// image; when the headers are damaged past the signature it returns the
// File with what it read and the error.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	f := &File{r: r, size: size, lim: lim.norm(), EntryPointOffset: -1}
	var dos [0x40]byte
	if size < int64(len(dos)) {
		return nil, &Error{Off: 0, What: "DOS header", Why: fmt.Sprintf("file of %d bytes is shorter than a DOS header: %v", size, ErrNotPE), err: ErrNotPE}
	}
	if _, err := r.ReadAt(dos[:], 0); err != nil {
		return nil, errAt(0, "DOS header", "read: %v", err)
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, &Error{Off: 0, What: "DOS header", Why: "no MZ signature: " + ErrNotPE.Error(), err: ErrNotPE}
	}
	f.Lfanew = int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	if f.Lfanew < 4 || f.Lfanew+4+coffSize > size || f.Lfanew > maxHeaderOffset {
		return nil, &Error{Off: 0x3c, What: "e_lfanew", Why: fmt.Sprintf("%#x leaves no room for PE headers in a %d-byte file: %v", f.Lfanew, size, ErrNotPE), err: ErrNotPE}
	}
	var sig [4 + coffSize]byte
	if _, err := r.ReadAt(sig[:], f.Lfanew); err != nil {
		return nil, errAt(f.Lfanew, "PE signature", "read: %v", err)
	}
	if string(sig[:4]) != "PE\x00\x00" {
		return nil, &Error{Off: f.Lfanew, What: "PE signature", Why: fmt.Sprintf("%q is not PE\\0\\0: %v", sig[:4], ErrNotPE), err: ErrNotPE}
	}
	f.COFF = parseCOFF(sig[4:])
	var errs []error
	if err := f.readOptional(); err != nil {
		errs = append(errs, err)
	}
	if err := f.readSections(); err != nil {
		errs = append(errs, err)
	}
	f.place()
	if err := f.readRich(); err != nil {
		errs = append(errs, err)
	}
	return f, errors.Join(errs...)
}

// maxHeaderOffset bounds e_lfanew: the headers live in the first 16 MiB.
const maxHeaderOffset = 16 << 20

// Unwrap lets errors.Is(err, ErrNotPE) see through an *Error.
func (e *Error) Unwrap() error { return e.err }

// place computes the entry point offset and the overlay.
func (f *File) place() {
	if off, ok := f.RVAToOffset(f.Optional.AddressOfEntryPoint); ok {
		f.EntryPointOffset = off
	}
	end := int64(f.Optional.SizeOfHeaders)
	for _, s := range f.Sections {
		if s.Size > 0 {
			end = max(end, int64(s.Offset)+int64(s.Size))
		}
	}
	if end < f.size {
		f.Overlay.Offset, f.Overlay.Size = end, f.size-end
	}
}

// errList gathers a walk's errors, keeping the first maxErrs: a corrupt
// table can make every one of thousands of entries fail.
type errList struct {
	errs    []error
	dropped int
}

const maxErrs = 32

func (l *errList) add(err error) {
	switch {
	case err == nil:
	case len(l.errs) < maxErrs:
		l.errs = append(l.errs, err)
	default:
		l.dropped++
	}
}

func (l *errList) err() error {
	if l.dropped > 0 {
		return errors.Join(append(l.errs, errAt(-1, "errors", "%d more not listed", l.dropped))...)
	}
	return errors.Join(l.errs...)
}
