package yara

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// peModule is yara's pe module (4.2): headers, sections, data
// directories, overlay, rich signature, PDB path, standard imports
// (with imphash) and exports. Resources, version info, signatures,
// delayed imports, locale/language and the import-flag overloads are
// not implemented: a rule that uses them fails to compile naming the
// member (docs/yara.md).
func peModule() *module {
	consts := map[string]value{}
	for k, v := range peConsts {
		consts[k] = vInt(v)
	}
	ver := func() *mtype { return structType(intFields(map[string]*mtype{}, "major", "minor")) }
	fields := intFields(map[string]*mtype{
		"linker_version": ver(), "os_version": ver(), "image_version": ver(), "subsystem_version": ver(),
		"data_directories": arrayOf(structType(intFields(map[string]*mtype{}, "virtual_address", "size"))),
		"sections": arrayOf(structType(intFields(map[string]*mtype{"name": tyStr, "full_name": tyStr},
			peSectionFields[:]...))),
		"overlay": structType(intFields(map[string]*mtype{}, "offset", "size")),
		"rich_signature": structType(intFields(map[string]*mtype{"raw_data": tyStr, "clear_data": tyStr,
			"version": {kind: kFunc, funcs: []moduleFunc{
				{"i", tInt, func(_ *evalCtx, o mobj, a []value) value { return richCount(o, a[0].i, richAny) }},
				{"ii", tInt, func(_ *evalCtx, o mobj, a []value) value { return richCount(o, a[0].i, a[1].i) }},
			}},
			"toolid": {kind: kFunc, funcs: []moduleFunc{
				{"i", tInt, func(_ *evalCtx, o mobj, a []value) value { return richCount(o, richAny, a[0].i) }},
				{"ii", tInt, func(_ *evalCtx, o mobj, a []value) value { return richCount(o, a[1].i, a[0].i) }},
			}},
		}, "offset", "length", "key")),
		"pdb_path": tyStr, "dll_name": tyStr,
		"export_details": arrayOf(structType(intFields(map[string]*mtype{"name": tyStr, "forward_name": tyStr},
			"offset", "ordinal"))),
		"import_details": arrayOf(structType(intFields(map[string]*mtype{"library_name": tyStr,
			"functions": arrayOf(structType(intFields(map[string]*mtype{"name": tyStr}, "ordinal")))},
			"number_of_functions"))),
		// As yara 4.2.3 declares it; it never fills it (mod_pe_delay.go).
		"delay_import_details": arrayOf(structType(intFields(map[string]*mtype{"library_name": tyStr,
			"functions": arrayOf(structType(intFields(map[string]*mtype{"name": tyStr}, "ordinal")))},
			"number_of_function"))),
		"version_info":      {kind: kDict, elem: tyStr},
		"version_info_list": arrayOf(structType(map[string]*mtype{"key": tyStr, "value": tyStr})),
		"resource_version":  ver(),
		"resources": arrayOf(structType(intFields(map[string]*mtype{"type_string": tyStr, "name_string": tyStr,
			"language_string": tyStr}, "rva", "offset", "length", "type", "id", "language"))),
		"signatures": arrayOf(structType(intFields(map[string]*mtype{"thumbprint": tyStr, "issuer": tyStr,
			"subject": tyStr, "algorithm": tyStr, "algorithm_oid": tyStr, "serial": tyStr,
			"valid_on": {kind: kFunc, funcs: []moduleFunc{{"i", tInt, validOn}}},
		}, "version", "not_before", "not_after"))),
	}, "is_pe", "machine", "number_of_sections", "timestamp", "pointer_to_symbol_table", "number_of_symbols",
		"size_of_optional_header", "characteristics", "entry_point", "entry_point_raw", "image_base",
		"number_of_rva_and_sizes", "opthdr_magic", "size_of_code", "size_of_initialized_data",
		"size_of_uninitialized_data", "base_of_code", "base_of_data", "section_alignment", "file_alignment",
		"win32_version_value", "size_of_image", "size_of_headers", "checksum", "subsystem", "dll_characteristics",
		"size_of_stack_reserve", "size_of_stack_commit", "size_of_heap_reserve", "size_of_heap_commit",
		"loader_flags", "number_of_imports", "number_of_imported_functions", "number_of_exports",
		"export_timestamp", "number_of_version_infos", "number_of_resources", "resource_timestamp",
		"number_of_delayed_imports", "number_of_delayed_imported_functions", "number_of_signatures")
	pe := func(o mobj) *peParsed { p, _ := o[peKey].(*peParsed); return p }
	intFn := func(f func(p *peParsed, a []value) value) func(*evalCtx, mobj, []value) value {
		return func(_ *evalCtx, o mobj, a []value) value {
			if p := pe(o); p != nil {
				return f(p, a)
			}
			return undef
		}
	}
	funcs := map[string][]moduleFunc{
		"is_dll": {{"", tInt, func(_ *evalCtx, o mobj, _ []value) value {
			c, ok := o["characteristics"].(value)
			if !ok {
				return undef
			}
			return vInt(c.i & 0x2000)
		}}},
		"is_32bit": {{"", tInt, intFn(func(p *peParsed, _ []value) value { return vBool(!p.is64).asInt() })}},
		"is_64bit": {{"", tInt, intFn(func(p *peParsed, _ []value) value { return vBool(p.is64).asInt() })}},
		"rva_to_offset": {{"i", tInt, intFn(func(p *peParsed, a []value) value {
			r := &peReader{d: p.data, nt: p.nt, is64: p.is64}
			if off := r.rvaToOffset(uint64(a[0].i)); off != -1 {
				return vInt(off)
			}
			return undef
		})}},
		"calculate_checksum": {{"", tInt, intFn(func(p *peParsed, _ []value) value { return vInt(peChecksum(p)) })}},
		"section_index": {
			{"s", tInt, func(_ *evalCtx, o mobj, a []value) value {
				return sectionIndex(o, func(s mobj) bool {
					n, ok := s["name"].(value)
					return ok && cString(n.s) == cString(a[0].s)
				})
			}},
			{"i", tInt, func(_ *evalCtx, o mobj, a []value) value {
				return sectionIndex(o, func(s mobj) bool {
					off, ok1 := s["raw_data_offset"].(value)
					size, ok2 := s["raw_data_size"].(value)
					return ok1 && ok2 && a[0].i >= off.i && a[0].i < off.i+size.i
				})
			}},
		},
		"exports": {
			{"s", tInt, intFn(func(p *peParsed, a []value) value {
				return vInt(b2i(exportIndex(p, func(e peExport) bool { return e.hasName && asciiEqualFold(e.name, a[0].s) }) >= 0))
			})},
			{"r", tInt, func(e *evalCtx, o mobj, a []value) value {
				p := pe(o)
				if p == nil {
					return undef
				}
				return vInt(b2i(exportIndex(p, func(x peExport) bool { return x.hasName && regexLen(e, a[0], x.name) >= 0 }) >= 0))
			}},
			{"i", tInt, intFn(func(p *peParsed, a []value) value {
				return vInt(b2i(exportOrdinal(p, a[0].i) >= 0))
			})},
		},
		"exports_index": {
			{"s", tInt, intFn(func(p *peParsed, a []value) value {
				return idxOrUndef(exportIndex(p, func(e peExport) bool { return e.hasName && asciiEqualFold(e.name, a[0].s) }))
			})},
			{"r", tInt, func(e *evalCtx, o mobj, a []value) value {
				p := pe(o)
				if p == nil {
					return undef
				}
				return idxOrUndef(exportIndex(p, func(x peExport) bool { return x.hasName && regexLen(e, a[0], x.name) >= 0 }))
			}},
			{"i", tInt, intFn(func(p *peParsed, a []value) value { return idxOrUndef(exportOrdinal(p, a[0].i)) })},
		},
		// imports(dll, …) reads the standard imports; imports(flags,
		// dll, …) the standard (IMPORT_STANDARD), delayed
		// (IMPORT_DELAYED) or both, as yara 4.2.
		"imports": {
			{"ss", tInt, intFn(func(p *peParsed, a []value) value { return vInt(importsFn(p.imports, a[0].s, a[1].s)) })},
			{"si", tInt, intFn(func(p *peParsed, a []value) value { return vInt(importsOrd(p.imports, a[0].s, a[1].i)) })},
			{"s", tInt, intFn(func(p *peParsed, a []value) value { return vInt(importsDLL(p.imports, a[0].s)) })},
			{"rr", tInt, func(e *evalCtx, o mobj, a []value) value {
				p := pe(o)
				if p == nil {
					return undef
				}
				return vInt(importsRe(e, p.imports, a[0], a[1]))
			}},
			{"iss", tInt, intFn(func(p *peParsed, a []value) value {
				return vInt(b2i(a[0].i&peImportStandard != 0 && importsFn(p.imports, a[1].s, a[2].s) != 0 ||
					a[0].i&peImportDelayed != 0 && importsFn(p.delayed, a[1].s, a[2].s) != 0))
			})},
			{"isi", tInt, intFn(func(p *peParsed, a []value) value {
				return vInt(b2i(a[0].i&peImportStandard != 0 && importsOrd(p.imports, a[1].s, a[2].i) != 0 ||
					a[0].i&peImportDelayed != 0 && importsOrd(p.delayed, a[1].s, a[2].i) != 0))
			})},
			{"is", tInt, intFn(func(p *peParsed, a []value) value {
				var n int64
				if a[0].i&peImportStandard != 0 {
					n += importsDLL(p.imports, a[1].s)
				}
				if a[0].i&peImportDelayed != 0 {
					n += importsDLL(p.delayed, a[1].s)
				}
				return vInt(n)
			})},
			{"irr", tInt, func(e *evalCtx, o mobj, a []value) value {
				p := pe(o)
				if p == nil {
					return undef
				}
				var n int64
				if a[0].i&peImportStandard != 0 {
					n += importsRe(e, p.imports, a[1], a[2])
				}
				if a[0].i&peImportDelayed != 0 {
					n += importsRe(e, p.delayed, a[1], a[2])
				}
				return vInt(n)
			}},
		},
		"locale": {{"i", tInt, func(_ *evalCtx, o mobj, a []value) value {
			return resourceLanguage(o, a[0].i, 0xffff)
		}}},
		"language": {{"i", tInt, func(_ *evalCtx, o mobj, a []value) value {
			return resourceLanguage(o, a[0].i, 0xff)
		}}},
		"imphash": {{"", tStr, intFn(func(p *peParsed, _ []value) value { return vStr(imphash(p)) })}},
	}
	return &module{consts: consts, fields: fields, funcs: funcs,
		parse: func(e *evalCtx) (mobj, error) { return peObject(e.in.Data) }}
}

const peKey = "\x00pe"

// yara's IMPORT_STANDARD and IMPORT_DELAYED flags.
const (
	peImportStandard = 1
	peImportDelayed  = 2
)

// importsFn is yara's pe_imports: whether dll (case-insensitive)
// imports fn.
func importsFn(dlls []peDLL, dll, fn string) int64 {
	dll, fn = cString(dll), cString(fn)
	for _, d := range dlls {
		if asciiEqualFold(d.name, dll) {
			for _, f := range d.funcs {
				if asciiEqualFold(f.name, fn) {
					return 1
				}
			}
		}
	}
	return 0
}

// importsOrd is pe_imports_ordinal.
func importsOrd(dlls []peDLL, dll string, ord int64) int64 {
	dll = cString(dll)
	for _, d := range dlls {
		if asciiEqualFold(d.name, dll) {
			for _, f := range d.funcs {
				if f.hasOrdinal && f.ordinal == ord {
					return 1
				}
			}
		}
	}
	return 0
}

// importsDLL is pe_imports_dll: the functions imported from dll.
func importsDLL(dlls []peDLL, dll string) int64 {
	dll = cString(dll)
	var n int64
	for _, d := range dlls {
		if asciiEqualFold(d.name, dll) {
			n += int64(len(d.funcs))
		}
	}
	return n
}

// importsRe is pe_imports_regexp: the functions matching fn of the DLLs
// matching dll.
func importsRe(e *evalCtx, dlls []peDLL, dll, fn value) int64 {
	var n int64
	for _, d := range dlls {
		if regexLen(e, dll, d.name) > 0 {
			for _, f := range d.funcs {
				if regexLen(e, fn, f.name) > 0 {
					n++
				}
			}
		}
	}
	return n
}

// resourceLanguage is yara's locale() (mask 0xffff) and language()
// (mask 0xff): whether a resource's language, masked, is id. A language
// given as a string is yara's undefined value, masked like any other.
func resourceLanguage(o mobj, id, mask int64) value {
	p, _ := o[peKey].(*peParsed)
	if p == nil {
		return undef
	}
	for _, r := range p.resources {
		l := r.ints[2]
		if r.hasStrs[2] {
			u := uint64(yrUndefined)
			l = int64(u) // yara's YR_UNDEFINED, masked like any value
		}
		if l&mask == id {
			return vInt(1)
		}
	}
	return vInt(0)
}

// validOn is signatures[i].valid_on(t): not_before <= t <= not_after.
func validOn(_ *evalCtx, sig mobj, a []value) value {
	nb, ok1 := sig["not_before"].(value)
	na, ok2 := sig["not_after"].(value)
	if !ok1 || !ok2 {
		return undef
	}
	return vInt(b2i(a[0].i >= nb.i && a[0].i <= na.i))
}

// richAny stands for an absent version or toolid argument.
const richAny = math.MinInt64

func (v value) asInt() value { return vInt(v.i) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func idxOrUndef(i int) value {
	if i < 0 {
		return undef
	}
	return vInt(int64(i))
}

// cString is a string as a C function argument sees it: up to its
// first NUL byte.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// regexLen is yara's yr_re_match over a C string: the length of the
// first match found scanning from the start, or -1.
func regexLen(e *evalCtx, re value, s string) int {
	prog, _ := re.o.(*regex.Prog)
	if prog == nil {
		return -1
	}
	var m regex.Matcher
	m.SetBudget(1 << 22)
	data := []byte(cString(s))
	for start := 0; start <= len(data); start++ {
		n, ok, err := m.MatchAt(prog, data, start, -1)
		if err != nil {
			e.err = err
			return -1
		}
		if ok {
			return n
		}
	}
	return -1
}

func sectionIndex(o mobj, match func(mobj) bool) value {
	n, ok := o["number_of_sections"].(value)
	if !ok {
		return undef
	}
	secs, _ := o["sections"].(marr)
	for i := 0; i < int(min(n.i, peMaxSections)) && i < len(secs); i++ {
		if s, ok := secs[i].(mobj); ok && match(s) {
			return vInt(int64(i))
		}
	}
	return undef
}

func exportIndex(p *peParsed, match func(peExport) bool) int {
	for i, e := range p.exports.details {
		if match(e) {
			return i
		}
	}
	return -1
}

func exportOrdinal(p *peParsed, ord int64) int {
	n := int64(len(p.exports.details))
	if ord == 0 || ord > n {
		return -1
	}
	return exportIndex(p, func(e peExport) bool { return e.ordinal == ord })
}

// richCount is yara's _rich_version; rich is the rich_signature
// structure (the functions' receiver). A negative version or toolid
// matches any.
func richCount(rich mobj, version, toolid int64) value {
	length, ok := rich["length"].(value)
	clear, ok2 := rich["clear_data"].(value)
	if !ok || !ok2 {
		return undef
	}
	var n int64
	d := clear.s
	if length.i < 16 {
		return vInt(0)
	}
	for off := int64(16); off+8 <= length.i && off+8 <= int64(len(d)); off += 8 {
		id := uint32(d[off]) | uint32(d[off+1])<<8 | uint32(d[off+2])<<16 | uint32(d[off+3])<<24
		times := uint32(d[off+4]) | uint32(d[off+5])<<8 | uint32(d[off+6])<<16 | uint32(d[off+7])<<24
		if (version == richAny || int64(id&0xffff) == version) && (toolid == richAny || int64(id>>16) == toolid) {
			n += int64(times)
		}
	}
	return vInt(n)
}

// imphash is yara's: MD5 of "dll.function" pairs, lower-cased, joined
// by commas, the DLL name cut at its first dot when the extension is
// .dll, .ocx or .sys.
func imphash(p *peParsed) string {
	var b strings.Builder
	first := true
	for _, d := range p.imports {
		name := d.name
		if i := strings.IndexByte(name, '.'); i >= 0 {
			if ext := strings.ToLower(name[i:]); strings.HasPrefix(ext, ".dll") || strings.HasPrefix(ext, ".ocx") ||
				strings.HasPrefix(ext, ".sys") {
				name = name[:i]
			}
		}
		for _, f := range d.funcs {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(asciiLower(name + "." + f.name))
		}
	}
	h := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(h[:])
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// peChecksum is the PE checksum yara's calculate_checksum computes: the
// file as 32-bit words (the CheckSum field as zero), folded to 16 bits,
// plus the file size.
func peChecksum(p *peParsed) int64 {
	d := p.data
	csumOff := p.nt + 24 + 64
	var c uint64
	for i := uint64(0); i <= uint64(len(d))/4; i++ {
		if 4*i == csumOff {
			continue
		}
		if 4*i+4 <= uint64(len(d)) {
			c += uint64(d[4*i]) | uint64(d[4*i+1])<<8 | uint64(d[4*i+2])<<16 | uint64(d[4*i+3])<<24
		} else {
			for j := uint64(0); j < uint64(len(d))%4; j++ {
				c += uint64(d[4*i+j]) << (8 * j)
			}
		}
		if c > 0xffffffff {
			c = c&0xffffffff + c>>32
		}
	}
	c = c&0xffff + c>>16
	c += c >> 16
	c &= 0xffff
	return int64(c + uint64(len(d)))
}

// peObject builds the module object from peParse's result.
func peObject(d []byte) (mobj, error) {
	o := mobj{"is_pe": vInt(0)}
	p, err := peParse(d)
	if p == nil {
		return o, err
	}
	o[peKey] = p
	o.setInt("is_pe", 1)
	for k, v := range p.hdr {
		if i := strings.IndexByte(k, '.'); i >= 0 {
			sub, _ := o[k[:i]].(mobj)
			if sub == nil {
				sub = mobj{}
				o[k[:i]] = sub
			}
			sub.setInt(k[i+1:], v)
			continue
		}
		o.setInt(k, v)
	}
	dds := make(marr, len(p.dataDirs))
	for i, dd := range p.dataDirs {
		dds[i] = mobj{"virtual_address": vInt(dd[0]), "size": vInt(dd[1])}
	}
	o["data_directories"] = dds
	secs := make(marr, len(p.sections))
	for i, s := range p.sections {
		so := mobj{"name": vStr(s.name)}
		if s.hasFullName {
			so.setStr("full_name", s.fullName)
		}
		for k, f := range peSectionFields {
			so.setInt(f, s.fields[k])
		}
		secs[i] = so
	}
	o["sections"] = secs
	o["overlay"] = mobj{"offset": vInt(p.overlay[0]), "size": vInt(p.overlay[1])}
	rich := mobj{}
	if p.rich != nil {
		rich = mobj{"offset": vInt(p.rich.offset), "length": vInt(p.rich.length), "key": vInt(p.rich.key),
			"raw_data": vStr(string(p.rich.raw)), "clear_data": vStr(string(p.rich.clear))}
	}
	o["rich_signature"] = rich
	if p.hasPDBPath {
		o.setStr("pdb_path", p.pdbPath)
	}
	o.setInt("number_of_imports", p.numImports)
	o.setInt("number_of_imported_functions", p.numImportedFunctions)
	// yara numbers import functions across DLLs (functions[k] of the
	// second DLL starts where the first one's ended).
	dlls := make(marr, len(p.imports))
	k := 0
	for i, dll := range p.imports {
		fs := make(marr, k, k+len(dll.funcs))
		for _, f := range dll.funcs {
			fo := mobj{"name": vStr(f.name)}
			if f.hasOrdinal {
				fo.setInt("ordinal", f.ordinal)
			}
			fs = append(fs, fo)
		}
		k += len(dll.funcs)
		dlls[i] = mobj{"library_name": vStr(dll.name), "number_of_functions": vInt(int64(k)), "functions": fs}
	}
	o["import_details"] = dlls
	ex := p.exports
	o.setInt("number_of_exports", int64(len(ex.details)))
	if ex.hasTimestamp {
		o.setInt("export_timestamp", ex.timestamp)
	}
	if ex.hasDLLName {
		o.setStr("dll_name", ex.dllName)
	}
	eds := make(marr, len(ex.details))
	for i, e := range ex.details {
		eo := mobj{"ordinal": vInt(e.ordinal)}
		if e.hasOffset {
			eo.setInt("offset", e.offset)
		}
		if e.hasFwd {
			eo.setStr("forward_name", e.forward)
		}
		if e.hasName {
			eo.setStr("name", e.name)
		}
		eds[i] = eo
	}
	o["export_details"] = eds
	peResourceObject(o, p)
	o.setInt("number_of_delayed_imports", int64(len(p.delayed)))
	o.setInt("number_of_delayed_imported_functions", p.numDelayedFuncs)
	o["delay_import_details"] = marr{}
	if p.hasSecurityDir {
		o.setInt("number_of_signatures", int64(len(p.signatures)))
	}
	sigs := make(marr, len(p.signatures))
	for i, s := range p.signatures {
		so := mobj{"thumbprint": vStr(s.thumbprint), "issuer": vStr(s.issuer), "subject": vStr(s.subject),
			"version": vInt(s.version), "algorithm": vStr(s.algorithm), "algorithm_oid": vStr(s.algorithmOID)}
		if s.hasSerial {
			so.setStr("serial", s.serial)
		}
		if s.hasNotBefore {
			so.setInt("not_before", s.notBefore)
		}
		if s.hasNotAfter {
			so.setInt("not_after", s.notAfter)
		}
		sigs[i] = so
	}
	o["signatures"] = sigs
	return o, err
}

// peResourceObject sets the resource and version-info members.
func peResourceObject(o mobj, p *peParsed) {
	o.setInt("number_of_resources", int64(len(p.resources)))
	o.setInt("number_of_version_infos", int64(len(p.versionInfo)))
	if p.hasResDir {
		o.setInt("resource_timestamp", p.resTimestamp)
		o["resource_version"] = mobj{"major": vInt(p.resMajor), "minor": vInt(p.resMinor)}
	}
	res := make(marr, len(p.resources))
	for i, r := range p.resources {
		ro := mobj{"rva": vInt(r.rva), "length": vInt(r.length)}
		if r.hasOffset {
			ro.setInt("offset", r.offset)
		}
		for k, name := range [3]string{"type", "id", "language"} {
			if r.hasStrs[k] {
				ro.setStr(name+"_string", r.strs[k])
			} else {
				ro.setInt(name, r.ints[k])
			}
		}
		res[i] = ro
	}
	o["resources"] = res
	dict := mdict{}
	list := make(marr, len(p.versionInfo))
	for i, v := range p.versionInfo {
		dict[v.key] = vStr(v.value)
		list[i] = mobj{"key": vStr(v.key), "value": vStr(v.value)}
	}
	o["version_info"] = dict
	o["version_info_list"] = list
}

var peConsts = map[string]int64{
	"IMPORT_DELAYED": 2, "IMPORT_STANDARD": 1, "IMPORT_ANY": -1, "MACHINE_UNKNOWN": 0x0000, "MACHINE_AM33": 0x01d3, "MACHINE_AMD64": 0x8664, "MACHINE_ARM": 0x01c0, "MACHINE_ARMNT": 0x01c4, "MACHINE_ARM64": 0xaa64, "MACHINE_EBC": 0x0ebc, "MACHINE_I386": 0x014c, "MACHINE_IA64": 0x0200, "MACHINE_M32R": 0x9041, "MACHINE_MIPS16": 0x0266, "MACHINE_MIPSFPU": 0x0366, "MACHINE_MIPSFPU16": 0x0466, "MACHINE_POWERPC": 0x01f0, "MACHINE_POWERPCFP": 0x01f1, "MACHINE_R4000": 0x0166, "MACHINE_SH3": 0x01a2, "MACHINE_SH3DSP": 0x01a3, "MACHINE_SH4": 0x01a6, "MACHINE_SH5": 0x01a8, "MACHINE_THUMB": 0x01c2, "MACHINE_WCEMIPSV2": 0x0169, "MACHINE_TARGET_HOST": 0x0001, "MACHINE_R3000": 0x0162, "MACHINE_R10000": 0x0168, "MACHINE_ALPHA": 0x0184, "MACHINE_SH3E": 0x01a4, "MACHINE_ALPHA64": 0x0284, "MACHINE_AXP64": 0x0284, "MACHINE_TRICORE": 0x0520, "MACHINE_CEF": 0x0CEF, "MACHINE_CEE": 0xC0EE, "SUBSYSTEM_UNKNOWN": 0, "SUBSYSTEM_NATIVE": 1, "SUBSYSTEM_WINDOWS_GUI": 2, "SUBSYSTEM_WINDOWS_CUI": 3, "SUBSYSTEM_OS2_CUI": 5, "SUBSYSTEM_POSIX_CUI": 7, "SUBSYSTEM_NATIVE_WINDOWS": 8, "SUBSYSTEM_WINDOWS_CE_GUI": 9, "SUBSYSTEM_EFI_APPLICATION": 10, "SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER": 11, "SUBSYSTEM_EFI_RUNTIME_DRIVER": 12, "SUBSYSTEM_EFI_ROM_IMAGE": 13, "SUBSYSTEM_XBOX": 14, "SUBSYSTEM_WINDOWS_BOOT_APPLICATION": 16, "HIGH_ENTROPY_VA": 0x0020, "DYNAMIC_BASE": 0x0040, "FORCE_INTEGRITY": 0x0080, "NX_COMPAT": 0x0100, "NO_ISOLATION": 0x0200, "NO_SEH": 0x0400, "NO_BIND": 0x0800, "APPCONTAINER": 0x1000, "WDM_DRIVER": 0x2000, "GUARD_CF": 0x4000, "TERMINAL_SERVER_AWARE": 0x8000, "RELOCS_STRIPPED": 0x0001, "EXECUTABLE_IMAGE": 0x0002, "LINE_NUMS_STRIPPED": 0x0004, "LOCAL_SYMS_STRIPPED": 0x0008, "AGGRESIVE_WS_TRIM": 0x0010, "LARGE_ADDRESS_AWARE": 0x0020, "BYTES_REVERSED_LO": 0x0080, "MACHINE_32BIT": 0x0100, "DEBUG_STRIPPED": 0x0200, "REMOVABLE_RUN_FROM_SWAP": 0x0400, "NET_RUN_FROM_SWAP": 0x0800, "SYSTEM": 0x1000, "DLL": 0x2000, "UP_SYSTEM_ONLY": 0x4000, "BYTES_REVERSED_HI": 0x8000, "IMAGE_DIRECTORY_ENTRY_EXPORT": 0, "IMAGE_DIRECTORY_ENTRY_IMPORT": 1, "IMAGE_DIRECTORY_ENTRY_RESOURCE": 2, "IMAGE_DIRECTORY_ENTRY_EXCEPTION": 3, "IMAGE_DIRECTORY_ENTRY_SECURITY": 4, "IMAGE_DIRECTORY_ENTRY_BASERELOC": 5, "IMAGE_DIRECTORY_ENTRY_DEBUG": 6, "IMAGE_DIRECTORY_ENTRY_ARCHITECTURE": 7, "IMAGE_DIRECTORY_ENTRY_COPYRIGHT": 7, "IMAGE_DIRECTORY_ENTRY_GLOBALPTR": 8, "IMAGE_DIRECTORY_ENTRY_TLS": 9, "IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG": 10, "IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT": 11, "IMAGE_DIRECTORY_ENTRY_IAT": 12, "IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT": 13, "IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR": 14, "IMAGE_NT_OPTIONAL_HDR32_MAGIC": 0x10b, "IMAGE_NT_OPTIONAL_HDR64_MAGIC": 0x20b, "IMAGE_ROM_OPTIONAL_HDR_MAGIC": 0x107, "SECTION_NO_PAD": 0x00000008, "SECTION_CNT_CODE": 0x00000020, "SECTION_CNT_INITIALIZED_DATA": 0x00000040, "SECTION_CNT_UNINITIALIZED_DATA": 0x00000080, "SECTION_LNK_OTHER": 0x00000100, "SECTION_LNK_INFO": 0x00000200, "SECTION_LNK_REMOVE": 0x00000800, "SECTION_LNK_COMDAT": 0x00001000, "SECTION_NO_DEFER_SPEC_EXC": 0x00004000, "SECTION_GPREL": 0x00008000, "SECTION_MEM_FARDATA": 0x00008000, "SECTION_MEM_PURGEABLE": 0x00020000, "SECTION_MEM_16BIT": 0x00020000, "SECTION_MEM_LOCKED": 0x00040000, "SECTION_MEM_PRELOAD": 0x00080000, "SECTION_ALIGN_1BYTES": 0x00100000, "SECTION_ALIGN_2BYTES": 0x00200000, "SECTION_ALIGN_4BYTES": 0x00300000, "SECTION_ALIGN_8BYTES": 0x00400000, "SECTION_ALIGN_16BYTES": 0x00500000, "SECTION_ALIGN_32BYTES": 0x00600000, "SECTION_ALIGN_64BYTES": 0x00700000, "SECTION_ALIGN_128BYTES": 0x00800000, "SECTION_ALIGN_256BYTES": 0x00900000, "SECTION_ALIGN_512BYTES": 0x00A00000, "SECTION_ALIGN_1024BYTES": 0x00B00000, "SECTION_ALIGN_2048BYTES": 0x00C00000, "SECTION_ALIGN_4096BYTES": 0x00D00000, "SECTION_ALIGN_8192BYTES": 0x00E00000, "SECTION_ALIGN_MASK": 0x00F00000, "SECTION_LNK_NRELOC_OVFL": 0x01000000, "SECTION_MEM_DISCARDABLE": 0x02000000, "SECTION_MEM_NOT_CACHED": 0x04000000, "SECTION_MEM_NOT_PAGED": 0x08000000, "SECTION_MEM_SHARED": 0x10000000, "SECTION_MEM_EXECUTE": 0x20000000, "SECTION_MEM_READ": 0x40000000, "SECTION_MEM_WRITE": 0x80000000, "SECTION_SCALE_INDEX": 0x00000001, "RESOURCE_TYPE_CURSOR": 1, "RESOURCE_TYPE_BITMAP": 2, "RESOURCE_TYPE_ICON": 3, "RESOURCE_TYPE_MENU": 4, "RESOURCE_TYPE_DIALOG": 5, "RESOURCE_TYPE_STRING": 6, "RESOURCE_TYPE_FONTDIR": 7, "RESOURCE_TYPE_FONT": 8, "RESOURCE_TYPE_ACCELERATOR": 9, "RESOURCE_TYPE_RCDATA": 10, "RESOURCE_TYPE_MESSAGETABLE": 11, "RESOURCE_TYPE_GROUP_CURSOR": 12, "RESOURCE_TYPE_GROUP_ICON": 14, "RESOURCE_TYPE_VERSION": 16, "RESOURCE_TYPE_DLGINCLUDE": 17, "RESOURCE_TYPE_PLUGPLAY": 19, "RESOURCE_TYPE_VXD": 20, "RESOURCE_TYPE_ANICURSOR": 21, "RESOURCE_TYPE_ANIICON": 22, "RESOURCE_TYPE_HTML": 23, "RESOURCE_TYPE_MANIFEST": 24, "IMAGE_DEBUG_TYPE_UNKNOWN": 0, "IMAGE_DEBUG_TYPE_COFF": 1, "IMAGE_DEBUG_TYPE_CODEVIEW": 2, "IMAGE_DEBUG_TYPE_FPO": 3, "IMAGE_DEBUG_TYPE_MISC": 4, "IMAGE_DEBUG_TYPE_EXCEPTION": 5, "IMAGE_DEBUG_TYPE_FIXUP": 6, "IMAGE_DEBUG_TYPE_OMAP_TO_SRC": 7, "IMAGE_DEBUG_TYPE_OMAP_FROM_SRC": 8, "IMAGE_DEBUG_TYPE_BORLAND": 9, "IMAGE_DEBUG_TYPE_RESERVED10": 10, "IMAGE_DEBUG_TYPE_CLSID": 11, "IMAGE_DEBUG_TYPE_VC_FEATURE": 12, "IMAGE_DEBUG_TYPE_POGO": 13, "IMAGE_DEBUG_TYPE_ILTCG": 14, "IMAGE_DEBUG_TYPE_MPX": 15, "IMAGE_DEBUG_TYPE_REPRO": 16,
}

// asciiEqualFold compares as C's strcasecmp does in the C locale.
func asciiEqualFold(a, b string) bool {
	return len(a) == len(b) && asciiLower(a) == asciiLower(b)
}
