// Package clr reads the CLI (.NET) metadata of a PE image: the CLI header
// named by data directory 14, the metadata root, the stream headers, the
// #~ (or #-) tables with their variable index sizes, and the #Strings,
// #US, #GUID and #Blob heaps. It reports what the YARA dotnet module
// (yara 4.2) reports, read the way yara 4.2 reads it, so that rules using
// the module agree with yara on the same file, including yara's quirks:
// blob lengths lose their last byte, the stream count is its low byte,
// table walking stops at the first table yara does not know, and a table
// of more than 10000 rows ends the walk.
//
// The package is a stdlib-only leaf: the caller describes the PE image
// (Image) from its own PE reader. Nothing is loaded or executed; every
// read is bounds-checked against the image, row counts are capped at
// 10000 per table and heap strings at 1024 bytes, and Parse returns
// what it read with an *Error naming the offset where it had to stop.
package clr

import "fmt"

// Error is a structural problem at a file offset.
type Error struct {
	Off  int64  // file offset of the structure
	What string // the structure, e.g. "#~ stream header"
	Why  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("clr: %s at %#x: %s", e.What, e.Off, e.Why)
}

func errAt(off int64, what, format string, a ...any) *Error {
	return &Error{Off: off, What: what, Why: fmt.Sprintf(format, a...)}
}

// Section is a PE section header as the RVA mapping needs it.
type Section struct {
	VirtualAddress, VirtualSize uint32
	RawOffset, RawSize          uint32 // PointerToRawData, SizeOfRawData
}

// Image is what the parser needs to know of the PE image holding the
// metadata.
type Image struct {
	Data                []byte // the whole file
	Is64                bool   // PE32+
	IsDLL               bool   // IMAGE_FILE_DLL in the COFF characteristics
	NumberOfRvaAndSizes uint32
	EntryPoint          uint32 // AddressOfEntryPoint (an RVA)
	FileAlignment       uint32
	// COMDirectory is the file offset of data directory entry 14
	// (IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR), which is read even past
	// NumberOfRvaAndSizes in a PE32 image, as the loader does.
	COMDirectory int64
	// Sections are the section headers, at most 96 (yara's cap);
	// SectionsTruncated is set when the declared headers (up to 96) do not
	// all lie in the file, which makes every address unmappable (yara).
	Sections          []Section
	SectionsTruncated bool
}

// Version is an assembly's four-part version.
type Version struct{ Major, Minor, BuildNumber, RevisionNumber uint16 }

// Stream is one metadata stream header; Offset is a file offset.
type Stream struct {
	Name   string
	Offset int64
	Size   uint32
}

// Resource is a manifest resource stored in this file: Offset is the file
// offset of its data (past the 4-byte length), Name is nil when its name
// could not be read.
type Resource struct {
	Offset int64
	Length uint32
	Name   *string
}

// Assembly is the Assembly table's row.
type Assembly struct {
	Version       Version
	Name, Culture *string // nil when absent or unreadable (Culture: also when empty)
}

// AssemblyRef is one AssemblyRef row. PublicKeyOrToken and Name are nil
// when unreadable (or, for the key, empty).
type AssemblyRef struct {
	Version          Version
	PublicKeyOrToken *string
	Name             *string
}

// Metadata is what Parse found. A Has… flag tells a list that was read
// (possibly empty) from one never reached; nil pointers are values yara
// leaves undefined.
type Metadata struct {
	IsDotNet   bool
	Version    *string // the metadata root's version string
	ModuleName *string

	HasStreams bool
	Streams    []Stream

	HasGUIDs bool
	GUIDs    []string

	HasResources bool
	Resources    []Resource

	Assembly *Assembly

	HasModuleRefs bool
	ModuleRefs    []string

	HasAssemblyRefs bool
	AssemblyRefs    []AssemblyRef

	Typelib *string

	HasUserStrings bool
	UserStrings    []string

	HasConstants bool
	Constants    []string

	HasFieldOffsets bool
	FieldOffsets    []int64
}

func strp(s string) *string { return &s }
