package yara

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file is the pe module's PE reader. The module (mod_pe.go) sees
// only peParsed and peParse, so the reader can be replaced by the
// project's PE package as long as it keeps yara's reading rules: which
// values are defined on a damaged file, the rva-to-offset rounding, the
// cumulative import-function index, the -1 entry point. Every read is
// bounds-checked; nothing here panics on any input.

// peParse reads a PE file as yara 4.2's pe module does; nil without
// error means the data is not a PE file.
var peParse = parsePEYara

// peParsed is what the pe module reads from one PE file.
type peParsed struct {
	data []byte
	nt   uint64 // offset of the NT headers ("PE\0\0")
	is64 bool

	hdr      map[string]int64 // scalar header fields by their yara names
	dataDirs [][2]int64       // virtual_address, size
	sections []peSection
	overlay  [2]int64

	rich *peRich

	pdbPath    string
	hasPDBPath bool

	imports              []peDLL
	numImports           int64
	numImportedFunctions int64

	exports *peExports

	// Resources: the root directory's fields (hasResDir), the
	// resources in walk order and the version-info strings in order.
	hasResDir                        bool
	resTimestamp, resMajor, resMinor int64
	resources                        []peResource
	versionInfo                      []peVersionInfo

	delayed         []peDLL
	numDelayedFuncs int64

	// hasSecurityDir: the security directory entry exists, so
	// number_of_signatures is defined.
	hasSecurityDir bool
	signatures     []peSignature
}

type peSection struct {
	name, fullName string
	hasFullName    bool
	fields         [9]int64 // in peSectionFields order
}

var peSectionFields = [9]string{"characteristics", "raw_data_size", "raw_data_offset", "virtual_address",
	"virtual_size", "pointer_to_relocations", "pointer_to_line_numbers", "number_of_relocations",
	"number_of_line_numbers"}

type peRich struct {
	offset, length, key int64
	raw, clear          []byte
}

type peDLL struct {
	name  string
	funcs []peImport
}

type peImport struct {
	name       string
	ordinal    int64
	hasOrdinal bool
}

type peExports struct {
	timestamp    int64
	hasTimestamp bool
	dllName      string
	hasDLLName   bool
	details      []peExport
}

type peExport struct {
	ordinal         int64
	offset          int64
	hasOffset       bool
	name, forward   string
	hasName, hasFwd bool
}

// Limits as yara's.
const (
	peMaxSections = 96
	peMaxImports  = 16384
	peMaxExports  = 8192
	peMaxName     = 512
	peMaxPath     = 260
)

type peReader struct {
	d    []byte
	nt   uint64
	is64 bool
}

func (r *peReader) size() uint64 { return uint64(len(r.d)) }

// fits is yara's fits_in_pe: [off, off+n) inside the data.
func (r *peReader) fits(off, n uint64) bool {
	return n <= r.size() && off <= r.size()-n
}

func (r *peReader) u8(off uint64) uint64 {
	if !r.fits(off, 1) {
		return 0
	}
	return uint64(r.d[off])
}

func (r *peReader) u16(off uint64) uint64 {
	if !r.fits(off, 2) {
		return 0
	}
	return uint64(binary.LittleEndian.Uint16(r.d[off:]))
}

func (r *peReader) u32(off uint64) uint64 {
	if !r.fits(off, 4) {
		return 0
	}
	return uint64(binary.LittleEndian.Uint32(r.d[off:]))
}

func (r *peReader) u64(off uint64) uint64 {
	if !r.fits(off, 8) {
		return 0
	}
	return binary.LittleEndian.Uint64(r.d[off:])
}

// cstr is the NUL-terminated string at off, at most max bytes (strnlen
// over the rest of the data); ok is false when off is outside the data.
func (r *peReader) cstr(off uint64, max uint64) (string, bool) {
	if off >= r.size() {
		return "", false
	}
	end := off
	for end < r.size() && end-off < max && r.d[end] != 0 {
		end++
	}
	return string(r.d[off:end]), true
}

func (r *peReader) opt() uint64             { return r.nt + 24 }
func (r *peReader) fileHdr(f uint64) uint64 { return r.nt + 4 + f }

// optField returns the offset of an optional header field: off32 in
// PE32, off64 in PE32+.
func (r *peReader) optField(off32, off64 uint64) uint64 {
	if r.is64 {
		return r.opt() + off64
	}
	return r.opt() + off32
}

func (r *peReader) numberOfRva() uint64 { return r.u32(r.optField(92, 108)) }

func (r *peReader) firstSection() uint64 { return r.opt() + r.u16(r.fileHdr(16)) }

func (r *peReader) nsections() uint64 { return min(r.u16(r.fileHdr(2)), peMaxSections) }

// rvaToOffset is yara's pe_rva_to_offset; -1 when the address maps to
// no file offset.
func (r *peReader) rvaToOffset(rva uint64) int64 {
	lowest := uint64(0xffffffff)
	var secRVA, secOff, secRaw uint64
	sec := r.firstSection()
	for i := uint64(0); i < r.nsections(); i++ {
		if !r.fits(sec, 40) {
			return -1
		}
		va, vsize := r.u32(sec+12), r.u32(sec+8)
		if lowest > va {
			lowest = va
		}
		if rva >= va && rva-va < vsize && secRVA <= va {
			align := min(r.u32(r.optField(36, 36)), 0x200)
			secRVA, secOff, secRaw = va, r.u32(sec+20), r.u32(sec+16)
			if align != 0 {
				secOff -= secOff % align
			}
		}
		sec += 40
	}
	if rva < lowest {
		secRVA, secOff, secRaw = 0, 0, r.size()&0xffffffff
	}
	if rva-secRVA >= secRaw {
		return -1
	}
	res := secOff + (rva - secRVA)
	if res >= r.size() || int64(res) < 0 {
		return -1
	}
	return int64(res)
}

// directory is yara's pe_get_directory_entry: the offset of data
// directory entry i, or false.
func (r *peReader) directory(i uint64) (uint64, bool) {
	if (i != 14 || r.is64) && r.numberOfRva() < i {
		return 0, false
	}
	off := r.optField(96, 112) + 8*i
	return off, r.fits(off, 8)
}

func parsePEYara(d []byte) (*peParsed, error) {
	r := &peReader{d: d}
	if len(d) < 64 || d[0] != 'M' || d[1] != 'Z' {
		return nil, nil
	}
	lfanew := int32(binary.LittleEndian.Uint32(d[0x3c:]))
	if lfanew < 0 {
		return nil, nil
	}
	r.nt = uint64(lfanew)
	hs := r.nt + 24
	if r.size() < hs || string(d[r.nt:r.nt+4]) != "PE\x00\x00" || r.size() < hs+224 {
		return nil, nil
	}
	r.is64 = r.u16(r.opt()) == 0x20b
	if r.is64 && r.size() < hs+240 {
		return nil, nil
	}
	p := &peParsed{data: d, nt: r.nt, is64: r.is64, hdr: map[string]int64{}}
	r.header(p)
	r.rich(p)
	r.debugDir(p)
	var errs []error
	errs = append(errs, r.resources(p))
	r.signatures(p)
	errs = append(errs, r.imports(p), r.delayedImports(p))
	r.exports(p)
	return p, errors.Join(errs...)
}

func (r *peReader) header(p *peParsed) {
	h := p.hdr
	set := func(name string, v uint64) { h[name] = int64(v) }
	set("machine", r.u16(r.fileHdr(0)))
	set("number_of_sections", r.u16(r.fileHdr(2)))
	set("timestamp", r.u32(r.fileHdr(4)))
	set("pointer_to_symbol_table", r.u32(r.fileHdr(8)))
	set("number_of_symbols", r.u32(r.fileHdr(12)))
	set("size_of_optional_header", r.u16(r.fileHdr(16)))
	set("characteristics", r.u16(r.fileHdr(18)))
	ep := r.u32(r.opt() + 16)
	h["entry_point"] = r.rvaToOffset(ep)
	set("entry_point_raw", ep)
	if r.is64 {
		set("image_base", r.u64(r.opt()+24))
	} else {
		set("image_base", r.u32(r.opt()+28))
		set("base_of_data", r.u32(r.opt()+24))
	}
	set("number_of_rva_and_sizes", r.numberOfRva())
	set("opthdr_magic", r.u16(r.opt()))
	set("linker_version.major", r.u8(r.opt()+2))
	set("linker_version.minor", r.u8(r.opt()+3))
	set("size_of_code", r.u32(r.opt()+4))
	set("size_of_initialized_data", r.u32(r.opt()+8))
	set("size_of_uninitialized_data", r.u32(r.opt()+12))
	set("base_of_code", r.u32(r.opt()+20))
	set("section_alignment", r.u32(r.opt()+32))
	set("file_alignment", r.u32(r.opt()+36))
	set("os_version.major", r.u16(r.opt()+40))
	set("os_version.minor", r.u16(r.opt()+42))
	set("image_version.major", r.u16(r.opt()+44))
	set("image_version.minor", r.u16(r.opt()+46))
	set("subsystem_version.major", r.u16(r.opt()+48))
	set("subsystem_version.minor", r.u16(r.opt()+50))
	set("win32_version_value", r.u32(r.opt()+52))
	set("size_of_image", r.u32(r.opt()+56))
	set("size_of_headers", r.u32(r.opt()+60))
	set("checksum", r.u32(r.opt()+64))
	set("subsystem", r.u16(r.opt()+68))
	set("dll_characteristics", r.u16(r.opt()+70))
	if r.is64 {
		set("size_of_stack_reserve", r.u64(r.opt()+72))
		set("size_of_stack_commit", r.u64(r.opt()+80))
		set("size_of_heap_reserve", r.u64(r.opt()+88))
		set("size_of_heap_commit", r.u64(r.opt()+96))
		set("loader_flags", r.u32(r.opt()+104))
	} else {
		set("size_of_stack_reserve", r.u32(r.opt()+72))
		set("size_of_stack_commit", r.u32(r.opt()+76))
		set("size_of_heap_reserve", r.u32(r.opt()+80))
		set("size_of_heap_commit", r.u32(r.opt()+84))
		set("loader_flags", r.u32(r.opt()+88))
	}
	// yara stores NumberOfRvaAndSizes in a C int: counts above 2^31
	// are negative and read no directory.
	dd := int32(uint32(r.numberOfRva()))
	for i := int32(0); i < min(dd, 16); i++ {
		off := r.optField(96, 112) + 8*uint64(i)
		if !r.fits(off, 8) {
			break
		}
		p.dataDirs = append(p.dataDirs, [2]int64{int64(r.u32(off)), int64(r.u32(off + 4))})
	}
	var hiOff, hiSize uint64
	sec := r.firstSection()
	for i := uint64(0); i < r.nsections(); i++ {
		if !r.fits(sec, 40) {
			break
		}
		raw := r.d[sec : sec+8]
		n := 8
		for n > 0 && raw[n-1] == 0 {
			n--
		}
		s := peSection{name: string(raw[:n])}
		s.fullName, s.hasFullName = r.sectionFullName(raw, n)
		for k, off := range []uint64{36, 16, 20, 12, 8, 24, 28} {
			s.fields[k] = int64(r.u32(sec + off))
		}
		s.fields[7], s.fields[8] = int64(r.u16(sec+32)), int64(r.u16(sec+34))
		p.sections = append(p.sections, s)
		ptr, size := r.u32(sec+20), r.u32(sec+16)
		if (ptr+size)&0xffffffff > hiOff+hiSize { // a uint32 sum in yara
			hiOff, hiSize = ptr, size
		}
		sec += 40
	}
	if last := hiOff + hiSize; last != 0 && r.size() > last {
		p.overlay = [2]int64{int64(last), int64(r.size() - last)}
	}
}

// sectionFullName is yara's pe_get_section_full_name: a "/123" name
// refers to the COFF string table.
func (r *peReader) sectionFullName(raw []byte, n int) (string, bool) {
	coff, nsym := r.u32(r.fileHdr(8)), r.u32(r.fileHdr(12))
	if coff == 0 || raw[0] != '/' {
		return string(raw[:n]), true
	}
	var idx uint64
	for i := 1; i < 8 && raw[i] >= '0' && raw[i] <= '9'; i++ {
		idx = idx*10 + uint64(raw[i]-'0')
	}
	start := coff + nsym*18 + idx
	for l := uint64(0); start+l >= start && r.fits(start+l, 1); l++ {
		c := r.d[start+l]
		if c == 0 {
			return string(r.d[start : start+l]), true
		}
		if c < 0x20 || c > 0x7e {
			return "", false
		}
	}
	return "", false
}

// rich is yara's pe_parse_rich_signature: search back from the NT
// headers for "Rich", then for the XOR-ed "DanS".
func (r *peReader) rich(p *peParsed) {
	const richMagic, dansMagic = 0x68636952, 0x536e6144
	nt := r.nt
	if nt > r.size()+4 || nt < 4 {
		return
	}
	var key, richAt uint64
	pos := int64(nt) - 4
	for ; pos >= 64; pos -= 4 {
		if r.u32(uint64(pos)) == richMagic {
			key, richAt = r.u32(uint64(pos)+4), uint64(pos)
			pos -= 4
			break
		}
	}
	if key == 0 {
		return
	}
	start := int64(-1)
	for ; pos >= 64; pos -= 4 {
		if r.u32(uint64(pos))^key == dansMagic {
			start = pos
			break
		}
	}
	if start < 0 {
		return
	}
	s := uint64(start)
	k1, k2, k3 := r.u32(s+4), r.u32(s+8), r.u32(s+12)
	if k1 != k2 || k2 != k3 || r.u32(s)^k1 != dansMagic {
		return
	}
	n := richAt - s
	if !r.fits(s, n) {
		return
	}
	raw := append([]byte(nil), r.d[s:s+n]...)
	clear := append([]byte(nil), raw...)
	for i := 0; i+4 <= len(clear); i += 4 {
		binary.LittleEndian.PutUint32(clear[i:], binary.LittleEndian.Uint32(clear[i:])^uint32(k1))
	}
	p.rich = &peRich{offset: start, length: int64(n), key: int64(k1), raw: raw, clear: clear}
}

// debugDir is yara's pe_parse_debug_directory: the first CodeView
// record's PDB path.
func (r *peReader) debugDir(p *peParsed) {
	dir, ok := r.directory(6)
	if !ok {
		return
	}
	va, size := r.u32(dir), r.u32(dir+4)
	if size == 0 || size%28 != 0 || va == 0 {
		return
	}
	base := r.rvaToOffset(va)
	if base < 0 {
		return
	}
	for i := uint64(0); i < size/28; i++ {
		dd := uint64(base) + i*28
		if !r.fits(dd, 28) {
			break
		}
		if r.u32(dd+12) != 2 {
			continue
		}
		var cv int64
		if rawVA := r.u32(dd + 20); rawVA != 0 {
			cv = r.rvaToOffset(rawVA)
		}
		if ptr := r.u32(dd + 24); cv <= 0 && ptr != 0 {
			cv = int64(ptr)
		}
		if cv <= 0 || !r.fits(uint64(cv), 8) {
			continue
		}
		c := uint64(cv)
		var name uint64
		switch r.u32(c) {
		case 0x3031424e: // NB10
			if r.fits(c, 17) {
				name = c + 16
			}
		case 0x53445352: // RSDS
			if r.fits(c, 25) {
				name = c + 24
			}
		case 0x434f544d: // MTOC
			if r.fits(c, 21) {
				name = c + 20
			}
		}
		if name == 0 {
			continue
		}
		path, _ := r.cstr(name, peMaxPath)
		if len(path) > 0 && len(path) < peMaxPath {
			p.pdbPath, p.hasPDBPath = path, true
			break
		}
	}
}

func validDLLName(s []byte) bool {
	l := 0
	for l < len(s) && s[l] != 0 {
		c := s[l]
		if c < ' ' || c == '"' || c == '*' || c == '<' || c == '>' || c == '?' || c == '|' {
			return false
		}
		l++
	}
	return l > 0 && l < len(s)
}

// imports is yara's pe_parse_imports (standard imports; delayed imports
// are not read).
func (r *peReader) imports(p *peParsed) error {
	dir, ok := r.directory(1)
	if !ok || r.u32(dir) == 0 {
		return nil
	}
	off := r.rvaToOffset(r.u32(dir))
	if off < 0 {
		return nil
	}
	var nfuncs int64
	desc := uint64(off)
	for r.fits(desc, 20) && r.u32(desc+12) != 0 && p.numImports < peMaxImports {
		nameOff := r.rvaToOffset(r.u32(desc + 12))
		if nameOff >= 0 {
			if !validDLLName(r.d[nameOff:]) {
				desc += 20
				continue
			}
			name, _ := r.cstr(uint64(nameOff), r.size())
			if fs := r.thunks(desc, name, &nfuncs); len(fs) > 0 {
				p.imports = append(p.imports, peDLL{name: name, funcs: fs})
			}
		}
		p.numImports++
		desc += 20
	}
	p.numImportedFunctions = nfuncs
	if p.numImports >= peMaxImports {
		return fmt.Errorf("pe: more than %d imported DLLs, the rest ignored", peMaxImports)
	}
	return nil
}

func (r *peReader) thunks(desc uint64, dll string, nfuncs *int64) []peImport {
	off := r.rvaToOffset(r.u32(desc))
	if off <= 0 {
		off = r.rvaToOffset(r.u32(desc + 16))
	}
	if off < 0 {
		return nil
	}
	size, flag := uint64(4), uint64(1)<<31
	if r.is64 {
		size, flag = 8, 1<<63
	}
	var out []peImport
	for t := uint64(off); r.fits(t, size) && *nfuncs < peMaxImports; t += size {
		v := r.u32(t)
		if r.is64 {
			v = r.u64(t)
		}
		if v == 0 {
			break
		}
		if v&flag == 0 {
			if o := r.rvaToOffset(v); o >= 0 && r.fits(uint64(o), 4) {
				name, _ := r.cstr(uint64(o)+2, peMaxName)
				out = append(out, peImport{name: name})
			}
		} else {
			ord := int64(v & 0xffff)
			out = append(out, peImport{name: ordLookup(dll, ord), ordinal: ord, hasOrdinal: true})
		}
		*nfuncs++
	}
	return out
}

// ordLookup names an import by ordinal as "ordN". yara also knows the
// names of ws2_32.dll, wsock32.dll and oleaut32.dll ordinals; this
// engine does not (see docs/yara.md).
func ordLookup(_ string, ord int64) string { return fmt.Sprintf("ord%d", ord) }

// exports is yara's pe_parse_exports.
func (r *peReader) exports(p *peParsed) {
	p.exports = &peExports{}
	dir, ok := r.directory(0)
	if !ok || r.u32(dir) == 0 {
		return
	}
	off := r.rvaToOffset(r.u32(dir))
	if off < 0 {
		return
	}
	start, esize := off, int64(r.u32(dir+4))
	ed := uint64(off)
	if !r.fits(ed, 40) {
		return
	}
	ex := p.exports
	n := min(r.u32(ed+20), peMaxExports)
	base := r.u32(ed + 16)
	ex.timestamp = int64(r.u32(ed + 4))
	ex.hasTimestamp = true
	off = r.rvaToOffset(r.u32(ed + 12))
	if off > 0 {
		ex.dllName, ex.hasDLLName = r.cstr(uint64(off), r.size())
	}
	if n*4 > r.size()-uint64(off) {
		return
	}
	var names uint64
	haveNames := false
	nnames := r.u32(ed + 24)
	if nnames > 0 {
		o := r.rvaToOffset(r.u32(ed + 32))
		if o < 0 || nnames*4 > r.size()-uint64(o) {
			return
		}
		names, haveNames = uint64(o), true
	}
	o := r.rvaToOffset(r.u32(ed + 36))
	if o < 0 || r.size()-uint64(o) < 2*n {
		return
	}
	ords := uint64(o)
	o = r.rvaToOffset(r.u32(ed + 28))
	if o < 0 || r.size()-uint64(o) < 4*n {
		return
	}
	funcs := uint64(o)
	nnames = min(nnames, n)
	// yara names export i after the first j with ordinals[j] == i.
	first := map[uint64]uint64{}
	if haveNames {
		for j := uint64(0); j < n; j++ {
			if _, seen := first[r.u16(ords+2*j)]; !seen {
				first[r.u16(ords+2*j)] = j
			}
		}
	}
	for i := uint64(0); i < n; i++ {
		e := peExport{ordinal: int64((base + i) & 0xffffffff)}
		fo := r.rvaToOffset(r.u32(funcs + 4*i))
		if fo > start && fo < start+esize {
			e.forward, e.hasFwd = r.cstr(uint64(fo), peMaxName)
		} else {
			e.offset, e.hasOffset = fo, true
		}
		if j, ok := first[i]; haveNames && ok && j < nnames {
			if no := r.rvaToOffset(r.u32(names + 4*j)); no > 0 {
				e.name, e.hasName = r.cstr(uint64(no), peMaxName)
			}
		}
		ex.details = append(ex.details, e)
	}
}
