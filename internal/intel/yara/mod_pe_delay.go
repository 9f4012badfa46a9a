package yara

import "fmt"

// delayedImports is yara 4.2's pe_parse_delayed_imports: the delay-load
// descriptors until the all-zero one or the first blatantly invalid one,
// VC++ 6 descriptors (attributes 0, 32-bit) read as VAs. Unlike yara,
// the descriptor and function walks are capped (yara walks until the
// data runs out).
//
// yara 4.2.3 declares the array as delay_import_details (with a
// number_of_function field) but fills delayed_import_details, a name it
// does not declare: the array stays empty there. This module keeps that
// (the array is declared and undefined), so rules behave as in yara 4.2.3;
// the parsed DLLs serve number_of_delayed_imports,
// number_of_delayed_imported_functions and imports(IMPORT_DELAYED, …).
func (r *peReader) delayedImports(p *peParsed) error {
	dir, ok := r.directory(13)
	if !ok || r.u32(dir) == 0 {
		return nil
	}
	off := r.rvaToOffset(r.u32(dir))
	if off < 0 {
		return nil
	}
	var imageBase uint64
	if r.is64 {
		imageBase = r.u64(r.opt() + 24)
	} else {
		imageBase = r.u32(r.opt() + 28)
	}
	sizeOfImage := r.u32(r.opt() + 56)
	ptrSize, ordFlag := uint64(4), uint64(1)<<31
	if r.is64 {
		ptrSize, ordFlag = 8, 1<<63
	}
	norm := func(v uint64) uint64 {
		if v != 0 && v > imageBase {
			return v - imageBase
		}
		return v
	}
	ptr := func(rva uint64) (uint64, bool) {
		o := r.rvaToOffset(rva)
		if o < 0 || !r.fits(uint64(o), ptrSize) {
			return 0, false
		}
		if r.is64 {
			// yara's pe_parse_delay_import_pointer answers YR_UNDEFINED
			// for "outside the file": a pointer of that value ends the
			// table there too.
			v := r.u64(uint64(o))
			return v, v != yrUndefined
		}
		return r.u32(uint64(o)), true
	}
	var err error
	for desc := uint64(off); r.fits(desc, 32); desc += 32 {
		var f [8]uint64
		zero := true
		for i := range f {
			f[i] = r.u32(desc + 4*uint64(i))
			zero = zero && f[i] == 0
		}
		if zero {
			break
		}
		attrs, nameRVA, iat, int_ := f[0], f[1], f[3], f[4]
		if attrs > 1 {
			break
		}
		if !r.is64 && attrs == 0 {
			nameRVA, iat, int_ = norm(nameRVA)&0xffffffff, norm(iat)&0xffffffff, norm(int_)&0xffffffff
		}
		if int_ >= sizeOfImage || iat >= sizeOfImage || nameRVA < 64 || int_ < 64 {
			break
		}
		no := r.rvaToOffset(nameRVA)
		if no < 0 || !validDLLName(r.d[no:]) {
			continue
		}
		if len(p.delayed) >= peMaxImports || p.numDelayedFuncs >= peMaxImports {
			err = fmt.Errorf("pe: more than %d delay-loaded DLLs or functions, the rest ignored", peMaxImports)
			break
		}
		name, _ := r.cstr(uint64(no), r.size())
		dll := peDLL{name: name}
		for nameRVA, funcRVA := int_, iat; ; nameRVA, funcRVA = nameRVA+ptrSize, funcRVA+ptrSize {
			na, ok1 := ptr(nameRVA)
			fa, ok2 := ptr(funcRVA)
			if !ok1 || !ok2 || na == 0 || fa == 0 {
				break
			}
			if p.numDelayedFuncs >= peMaxImports {
				err = fmt.Errorf("pe: more than %d delay-loaded functions, the rest ignored", peMaxImports)
				break
			}
			var fn peImport
			if na&ordFlag == 0 {
				if attrs == 0 {
					na = norm(na)
				}
				// yara reads the name at rva+2 (skipping the hint), as
				// a C string of up to 512 bytes; "" when it maps nowhere.
				if o := r.rvaToOffset(na + 2); o >= 0 {
					fn.name, _ = r.cstr(uint64(o), peMaxName)
				}
			} else {
				fn.ordinal, fn.hasOrdinal = int64(na&0xffff), true
				fn.name = ordLookup(name, fn.ordinal)
			}
			dll.funcs = append(dll.funcs, fn)
			p.numDelayedFuncs++
		}
		p.delayed = append(p.delayed, dll)
	}
	return err
}
