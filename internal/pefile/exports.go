package pefile

import (
	"encoding/binary"
	"sort"
)

// Exports is the export directory.
type Exports struct {
	Offset        int64  // file offset of IMAGE_EXPORT_DIRECTORY
	DLLName       string // the Name field: the DLL's own name as linked
	TimeDateStamp uint32
	Base          uint32 // ordinal of the first function
	Functions     []Export
}

// Export is one exported function, by ordinal, with its names (an
// ordinal may carry several, or none) and, for a forwarder, the
// "DLL.Function" it forwards to instead of an RVA.
type Export struct {
	Ordinal   uint32
	RVA       uint32
	Name      string   // the first name pointing at this ordinal, if any
	Aliases   []string // further names for the same ordinal
	Forwarder string
}

// Exports reads the export directory. Functions are in ordinal order;
// unused (zero) slots of the address table are skipped.
func (f *File) Exports() (*Exports, error) {
	d := f.Directory(DirExport)
	if d.VirtualAddress == 0 {
		return nil, nil
	}
	b, off, err := f.readRVA(d.VirtualAddress, 40, "export directory")
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	x := &Exports{Offset: off, TimeDateStamp: le.Uint32(b[4:]), Base: le.Uint32(b[16:])}
	nfunc, nnames := le.Uint32(b[20:]), le.Uint32(b[24:])
	funcsRVA, namesRVA, ordsRVA := le.Uint32(b[28:]), le.Uint32(b[32:]), le.Uint32(b[36:])
	var errs errList
	x.DLLName, err = f.rvaString(le.Uint32(b[12:]), maxNameLen, "export DLL name")
	errs.add(err)
	if lim := uint32(f.lim.MaxExports); nfunc > lim || nnames > lim {
		errs.add(errAt(off, "export directory", "%d functions and %d names, over the limit of %d: the rest skipped", nfunc, nnames, lim))
		nfunc, nnames = min(nfunc, lim), min(nnames, lim)
	}
	addrs, _, err := f.readRVA(funcsRVA, 4*int64(nfunc), "export address table")
	if err != nil {
		errs.add(err)
		return x, errs.err()
	}
	names := f.exportNames(namesRVA, ordsRVA, nnames, nfunc, &errs)
	for i := uint32(0); i < nfunc; i++ {
		rva := le.Uint32(addrs[4*i:])
		if rva == 0 {
			continue
		}
		e := Export{Ordinal: x.Base + i, RVA: rva}
		if ns := names[i]; len(ns) > 0 {
			e.Name, e.Aliases = ns[0], ns[1:]
		}
		if rva >= d.VirtualAddress && uint64(rva) < uint64(d.VirtualAddress)+uint64(d.Size) {
			e.Forwarder, err = f.rvaString(rva, maxNameLen, "export forwarder")
			errs.add(err)
		}
		x.Functions = append(x.Functions, e)
	}
	return x, errs.err()
}

// exportNames maps an address-table index to its names in name-table order.
func (f *File) exportNames(namesRVA, ordsRVA, n, nfunc uint32, errs *errList) map[uint32][]string {
	out := map[uint32][]string{}
	if n == 0 {
		return out
	}
	nb, _, err := f.readRVA(namesRVA, 4*int64(n), "export name table")
	if err != nil {
		errs.add(err)
		return out
	}
	ob, ooff, err := f.readRVA(ordsRVA, 2*int64(n), "export ordinal table")
	if err != nil {
		errs.add(err)
		return out
	}
	le := binary.LittleEndian
	for i := uint32(0); i < n; i++ {
		idx := uint32(le.Uint16(ob[2*i:]))
		if idx >= nfunc {
			errs.add(errAt(ooff+int64(2*i), "export ordinal table", "name %d points at function %d of %d", i, idx, nfunc))
			continue
		}
		name, err := f.rvaString(le.Uint32(nb[4*i:]), maxNameLen, "export name")
		errs.add(err)
		out[idx] = append(out[idx], name)
	}
	return out
}

// ByName returns the exported names sorted, for lookups.
func (x *Exports) ByName() []string {
	var out []string
	for _, e := range x.Functions {
		if e.Name != "" {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out
}
