package pefile

import "encoding/binary"

// ImportedDLL is one import descriptor (or delay-load descriptor).
type ImportedDLL struct {
	Offset    int64  // file offset of the descriptor
	Name      string // as written in the file
	Functions []ImportedFunction
}

// ImportedFunction is imported by name (with its hint) or by ordinal.
type ImportedFunction struct {
	Name      string
	Hint      uint16
	Ordinal   uint16
	ByOrdinal bool
	ThunkRVA  uint32 // the IAT slot the loader fills
}

const (
	maxNameLen = 512 // a DLL or function name
	importDesc = 20
	delayDesc  = 32
)

// Imports reads the import directory: each DLL with its functions in file
// order. Lookup uses OriginalFirstThunk, or FirstThunk when that is zero.
func (f *File) Imports() ([]ImportedDLL, error) {
	d := f.Directory(DirImport)
	if d.VirtualAddress == 0 {
		return nil, nil
	}
	w := &importWalk{f: f}
	for i := 0; ; i++ {
		if i >= f.lim.MaxImportDLLs {
			w.fail(errAt(-1, "import directory", "over %d descriptors: the rest skipped", f.lim.MaxImportDLLs))
			break
		}
		b, off, err := f.readRVA(d.VirtualAddress+uint32(i*importDesc), importDesc, "import descriptor")
		if err != nil {
			w.fail(err)
			break
		}
		le := binary.LittleEndian
		lookup, nameRVA, iat := le.Uint32(b), le.Uint32(b[12:]), le.Uint32(b[16:])
		if lookup == 0 && nameRVA == 0 && iat == 0 {
			break
		}
		if lookup == 0 {
			lookup = iat
		}
		if w.dll(off, nameRVA, lookup, iat); w.full {
			break
		}
	}
	return w.out, w.errs.err()
}

// DelayImports reads the delay-load import directory.
func (f *File) DelayImports() ([]ImportedDLL, error) {
	d := f.Directory(DirDelayImport)
	if d.VirtualAddress == 0 {
		return nil, nil
	}
	w := &importWalk{f: f}
	le := binary.LittleEndian
	for i := 0; ; i++ {
		if i >= f.lim.MaxImportDLLs {
			w.fail(errAt(-1, "delay import directory", "over %d descriptors: the rest skipped", f.lim.MaxImportDLLs))
			break
		}
		b, off, err := f.readRVA(d.VirtualAddress+uint32(i*delayDesc), delayDesc, "delay import descriptor")
		if err != nil {
			w.fail(err)
			break
		}
		attrs, nameRVA, iat, names := le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[12:]), le.Uint32(b[16:])
		if nameRVA == 0 && iat == 0 && names == 0 {
			break
		}
		if attrs&1 == 0 { // pre-VC7 descriptors hold virtual addresses
			base := uint32(f.Optional.ImageBase)
			nameRVA, iat, names = nameRVA-base, iat-base, names-base
		}
		if w.dll(off, nameRVA, names, iat); w.full {
			break
		}
	}
	return w.out, w.errs.err()
}

type importWalk struct {
	f     *File
	out   []ImportedDLL
	funcs int
	full  bool // MaxImportFunctions reached: stop
	errs  errList
}

func (w *importWalk) fail(err error) { w.errs.add(err) }

func (w *importWalk) dll(off int64, nameRVA, lookup, iat uint32) {
	name, err := w.f.rvaString(nameRVA, maxNameLen, "imported DLL name")
	if err != nil {
		w.fail(errAt(off, "import descriptor", "name: %v", err))
	}
	dll := ImportedDLL{Offset: off, Name: name}
	step := uint32(4)
	if w.f.Is64() {
		step = 8
	}
	for i := uint32(0); ; i++ {
		if w.funcs >= w.f.lim.MaxImportFunctions {
			w.full = true
			w.fail(errAt(off, "import descriptor", "over %d imported functions in all: the rest skipped", w.f.lim.MaxImportFunctions))
			break
		}
		b, toff, err := w.f.readRVA(lookup+i*step, int64(step), "import thunk")
		if err != nil {
			w.fail(errAt(off, "import descriptor", "thunk %d of %q: %v", i, name, err))
			break
		}
		v := binary.LittleEndian.Uint64(append(b, 0, 0, 0, 0)[:8])
		if v == 0 {
			break
		}
		fn, err := w.thunk(v, step, iat+i*step, toff)
		if err != nil {
			w.fail(err)
		}
		dll.Functions = append(dll.Functions, fn)
		w.funcs++
	}
	w.out = append(w.out, dll)
}

func (w *importWalk) thunk(v uint64, step, slot uint32, off int64) (ImportedFunction, error) {
	flag := uint64(1) << (8*step - 1)
	if v&flag != 0 {
		return ImportedFunction{Ordinal: uint16(v), ByOrdinal: true, ThunkRVA: slot}, nil
	}
	fn := ImportedFunction{ThunkRVA: slot}
	rva := uint32(v & 0x7fffffff)
	h, _, err := w.f.readRVA(rva, 2, "import hint")
	if err != nil {
		return fn, errAt(off, "import thunk", "hint/name: %v", err)
	}
	fn.Hint = binary.LittleEndian.Uint16(h)
	fn.Name, err = w.f.rvaString(rva+2, maxNameLen, "imported function name")
	if err != nil {
		return fn, errAt(off, "import thunk", "%v", err)
	}
	return fn, nil
}
