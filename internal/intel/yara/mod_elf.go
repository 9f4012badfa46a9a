package yara

import (
	"encoding/binary"
	"fmt"
	"math"
)

// elfModule is yara's elf module (4.2): the ELF header, sections,
// segments, the dynamic section and both symbol tables, read as yara
// reads them (the same bounds checks, so a damaged file yields the same
// defined and undefined values). telfhash is not implemented.
func elfModule() *module {
	consts := map[string]value{}
	for name, v := range elfConsts {
		consts[name] = vInt(v)
	}
	sym := structType(intFields(map[string]*mtype{"name": tyStr}, "value", "size", "type", "bind", "shndx"))
	return &module{
		consts: consts,
		fields: intFields(map[string]*mtype{
			"sections": arrayOf(structType(intFields(map[string]*mtype{"name": tyStr},
				"type", "flags", "address", "size", "offset"))),
			"segments": arrayOf(structType(intFields(map[string]*mtype{}, "type", "flags", "offset",
				"virtual_address", "physical_address", "file_size", "memory_size", "alignment"))),
			"dynamic": arrayOf(structType(intFields(map[string]*mtype{}, "type", "val"))),
			"symtab":  arrayOf(sym),
			"dynsym":  arrayOf(sym),
		}, "type", "machine", "entry_point", "number_of_sections", "sh_offset", "sh_entry_size",
			"number_of_segments", "ph_offset", "ph_entry_size", "dynamic_section_entries", "symtab_entries",
			"dynsym_entries"),
		parse: func(e *evalCtx) (mobj, error) { return parseELF(e.in.Data) },
	}
}

var elfConsts = map[string]int64{
	"ET_NONE": 0, "ET_REL": 1, "ET_EXEC": 2, "ET_DYN": 3, "ET_CORE": 4,
	"EM_NONE": 0, "EM_M32": 1, "EM_SPARC": 2, "EM_386": 3, "EM_68K": 4, "EM_88K": 5, "EM_860": 7, "EM_MIPS": 8,
	"EM_MIPS_RS3_LE": 0xa, "EM_PPC": 0x14, "EM_PPC64": 0x15, "EM_ARM": 0x28, "EM_X86_64": 0x3e, "EM_AARCH64": 0xb7,
	"SHT_NULL": 0, "SHT_PROGBITS": 1, "SHT_SYMTAB": 2, "SHT_STRTAB": 3, "SHT_RELA": 4, "SHT_HASH": 5,
	"SHT_DYNAMIC": 6, "SHT_NOTE": 7, "SHT_NOBITS": 8, "SHT_REL": 9, "SHT_SHLIB": 10, "SHT_DYNSYM": 11,
	"SHF_WRITE": 1, "SHF_ALLOC": 2, "SHF_EXECINSTR": 4,
	"PT_NULL": 0, "PT_LOAD": 1, "PT_DYNAMIC": 2, "PT_INTERP": 3, "PT_NOTE": 4, "PT_SHLIB": 5, "PT_PHDR": 6,
	"PT_TLS": 7, "PT_GNU_EH_FRAME": 0x6474e550, "PT_GNU_STACK": 0x6474e551,
	"DT_NULL": 0, "DT_NEEDED": 1, "DT_PLTRELSZ": 2, "DT_PLTGOT": 3, "DT_HASH": 4, "DT_STRTAB": 5, "DT_SYMTAB": 6,
	"DT_RELA": 7, "DT_RELASZ": 8, "DT_RELAENT": 9, "DT_STRSZ": 10, "DT_SYMENT": 11, "DT_INIT": 12, "DT_FINI": 13,
	"DT_SONAME": 14, "DT_RPATH": 15, "DT_SYMBOLIC": 16, "DT_REL": 17, "DT_RELSZ": 18, "DT_RELENT": 19,
	"DT_PLTREL": 20, "DT_DEBUG": 21, "DT_TEXTREL": 22, "DT_JMPREL": 23, "DT_BIND_NOW": 24, "DT_INIT_ARRAY": 25,
	"DT_FINI_ARRAY": 26, "DT_INIT_ARRAYSZ": 27, "DT_FINI_ARRAYSZ": 28, "DT_RUNPATH": 29, "DT_FLAGS": 30,
	"DT_ENCODING": 32,
	"STT_NOTYPE":  0, "STT_OBJECT": 1, "STT_FUNC": 2, "STT_SECTION": 3, "STT_FILE": 4, "STT_COMMON": 5, "STT_TLS": 6,
	"STB_LOCAL": 0, "STB_GLOBAL": 1, "STB_WEAK": 2,
	"PF_X": 1, "PF_W": 2, "PF_R": 4,
}

// maxELFEntries bounds the symbols and dynamic entries read from one
// file (yara has no bound; a hostile file could make it walk the file
// once per program header).
const maxELFEntries = 1 << 21

// elfReader reads one ELF class and byte order with bounds checks: a
// read outside the data yields 0 and is never reached by the parser,
// which checks ranges first, as yara does.
type elfReader struct {
	d   []byte
	bo  binary.ByteOrder
	b64 bool
}

func (r elfReader) u8(off uint64) uint64 {
	if off >= uint64(len(r.d)) {
		return 0
	}
	return uint64(r.d[off])
}

func (r elfReader) u16(off uint64) uint64 {
	if off > uint64(len(r.d)) || uint64(len(r.d))-off < 2 {
		return 0
	}
	return uint64(r.bo.Uint16(r.d[off:]))
}

func (r elfReader) u32(off uint64) uint64 {
	if off > uint64(len(r.d)) || uint64(len(r.d))-off < 4 {
		return 0
	}
	return uint64(r.bo.Uint32(r.d[off:]))
}

func (r elfReader) u64(off uint64) uint64 {
	if off > uint64(len(r.d)) || uint64(len(r.d))-off < 8 {
		return 0
	}
	return r.bo.Uint64(r.d[off:])
}

// word reads an address-sized field (Elf32_Addr/Off or Elf64_*).
func (r elfReader) word(off uint64) uint64 {
	if r.b64 {
		return r.u64(off)
	}
	return r.u32(off)
}

// inFile reports whether [off, off+size) lies inside the data.
func (r elfReader) inFile(off, size uint64) bool {
	n := uint64(len(r.d))
	return off <= n && size <= n && off+size <= n
}

// cstrAt is yara's str_table_entry: the NUL-terminated string at
// table+index, which must end before limit; the table must start with
// a NUL byte.
func (r elfReader) cstrAt(table, limit uint64, index uint64) (string, bool) {
	if table >= limit || limit > uint64(len(r.d)) || r.d[table] != 0 || index > math.MaxInt32 {
		return "", false
	}
	start := table + index
	if start >= limit {
		return "", false
	}
	for i := start; i < limit; i++ {
		if r.d[i] == 0 {
			return string(r.d[start:i]), true
		}
	}
	return "", false
}

// ELF structure layouts by class: header fields, entry sizes.
type elfLayout struct {
	entry, phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx uint64
	hdr, shdr, phdr, sym, dyn                                         uint64
	sAddr, sOff, sSize, sLink                                         uint64 // section header fields
}

var (
	elf32Layout = elfLayout{24, 28, 32, 42, 44, 46, 48, 50, 52, 40, 32, 16, 8, 12, 16, 20, 24}
	elf64Layout = elfLayout{24, 32, 40, 54, 56, 58, 60, 62, 64, 64, 56, 24, 16, 16, 24, 32, 40}
)

func parseELF(d []byte) (mobj, error) {
	if len(d) < 16 || string(d[:4]) != "\x7fELF" {
		return nil, nil
	}
	r := elfReader{d: d}
	var l elfLayout
	switch d[4] {
	case 1:
		l = elf32Layout
	case 2:
		l, r.b64 = elf64Layout, true
	default:
		return nil, nil
	}
	switch d[5] {
	case 1:
		r.bo = binary.LittleEndian
	case 2:
		r.bo = binary.BigEndian
	default:
		return nil, nil
	}
	if uint64(len(d)) <= l.hdr {
		return nil, nil
	}
	o := mobj{}
	size := uint64(len(d))
	typ := r.u16(16)
	shoff, phoff := r.word(l.shoff), r.word(l.phoff)
	shnum, phnum := r.u16(l.shnum), r.u16(l.phnum)
	shstrndx := r.u16(l.shstrndx)
	o.setInt("type", int64(typ))
	o.setInt("machine", int64(r.u16(18)))
	o.setInt("sh_offset", int64(shoff))
	o.setInt("sh_entry_size", int64(r.u16(l.shentsize)))
	o.setInt("number_of_sections", int64(shnum))
	o.setInt("ph_offset", int64(phoff))
	o.setInt("ph_entry_size", int64(r.u16(l.phentsize)))
	o.setInt("number_of_segments", int64(phnum))
	if entry := r.word(l.entry); entry != 0 {
		if off, ok := r.rvaToOffset(l, entry); ok {
			o.setInt("entry_point", int64(off))
		}
	}
	var errs error
	// yara compares a section's link with the section count as stored,
	// without byte-swapping it.
	rawShnum := shnum
	if r.bo == binary.BigEndian {
		rawShnum = uint64(binary.LittleEndian.Uint16(d[l.shnum:]))
	}
	if shnum < 0xff00 && shstrndx < shnum && shoff < size && shoff+shnum*l.shdr <= size {
		var strtab uint64
		if off := r.word(shoff + shstrndx*l.shdr + l.sOff); off < size {
			strtab = off
		}
		secs := make(marr, shnum)
		var symtab, symstr, symtabSize, symstrSize uint64
		var dynsym, dynstr, dynsymSize, dynstrSize uint64
		haveSym, haveDyn := false, false
		for i := uint64(0); i < shnum; i++ {
			sh := shoff + i*l.shdr
			s := mobj{}
			styp := r.u32(sh + 4)
			s.setInt("type", int64(styp))
			s.setInt("flags", int64(r.word(sh+8)))
			s.setInt("address", int64(r.word(sh+l.sAddr)))
			s.setInt("size", int64(r.word(sh+l.sSize)))
			s.setInt("offset", int64(r.word(sh+l.sOff)))
			if name := r.u32(sh); name < size && strtab > 0 {
				if n, ok := r.cstrAt(strtab, size, name); ok {
					s.setStr("name", n)
				}
			}
			link := r.u32(sh + l.sLink)
			if (styp == 2 || styp == 11) && link < rawShnum {
				str := shoff + link*l.shdr
				if r.inFile(str, l.shdr) && r.u32(str+4) == 3 {
					if styp == 2 {
						symtab, symtabSize = r.word(sh+l.sOff), r.word(sh+l.sSize)
						symstr, symstrSize = r.word(str+l.sOff), r.word(str+l.sSize)
						haveSym = true
					} else {
						dynsym, dynsymSize = r.word(sh+l.sOff), r.word(sh+l.sSize)
						dynstr, dynstrSize = r.word(str+l.sOff), r.word(str+l.sSize)
						haveDyn = true
					}
				}
			}
			secs[i] = s
		}
		o["sections"] = secs
		if !r.b64 {
			// 32-bit sizes are uint32 in yara's parser.
			symtabSize, symstrSize, dynsymSize, dynstrSize = symtabSize&0xffffffff, symstrSize&0xffffffff,
				dynsymSize&0xffffffff, dynstrSize&0xffffffff
		}
		if haveSym && r.inFile(symstr, symstrSize) && r.inFile(symtab, symtabSize) {
			syms, n, err := r.symbols(l, symtab, symtabSize, symstr, symstrSize)
			o["symtab"] = syms
			o.setInt("symtab_entries", n)
			errs = err
		}
		if haveDyn && r.inFile(dynstr, dynstrSize) && r.inFile(dynsym, dynsymSize) {
			syms, n, err := r.symbols(l, dynsym, dynsymSize, dynstr, dynstrSize)
			o["dynsym"] = syms
			o.setInt("dynsym_entries", n)
			if errs == nil {
				errs = err
			}
		}
	}
	if phnum > 0 && phnum < 0xffff && phoff < size && phoff+phnum*l.phdr <= size {
		segs := make(marr, phnum)
		var dyn marr
		budget := maxELFEntries
		for i := uint64(0); i < phnum; i++ {
			ph := phoff + i*l.phdr
			s := mobj{}
			ptype := r.u32(ph)
			var flags, off, vaddr, paddr, filesz, memsz, align uint64
			if r.b64 {
				flags, off, vaddr, paddr, filesz, memsz, align = r.u32(ph+4), r.u64(ph+8), r.u64(ph+16),
					r.u64(ph+24), r.u64(ph+32), r.u64(ph+40), r.u64(ph+48)
			} else {
				off, vaddr, paddr, filesz, memsz, flags, align = r.u32(ph+4), r.u32(ph+8), r.u32(ph+12),
					r.u32(ph+16), r.u32(ph+20), r.u32(ph+24), r.u32(ph+28)
			}
			s.setInt("type", int64(ptype))
			s.setInt("flags", int64(flags))
			s.setInt("offset", int64(off))
			s.setInt("virtual_address", int64(vaddr))
			s.setInt("physical_address", int64(paddr))
			s.setInt("file_size", int64(filesz))
			s.setInt("memory_size", int64(memsz))
			s.setInt("alignment", int64(align))
			segs[i] = s
			if ptype != 2 {
				continue
			}
			j := 0
			for p := off; r.inFile(p, l.dyn); p += l.dyn {
				if budget == 0 {
					if errs == nil {
						errs = fmt.Errorf("elf: more than %d dynamic entries, the rest ignored", maxELFEntries)
					}
					break
				}
				budget--
				tag, val := r.word(p), r.word(p+l.dyn/2)
				if !r.b64 && r.bo == binary.LittleEndian {
					tag = uint64(int64(int32(uint32(tag)))) // Elf32_Sword
				}
				for len(dyn) <= j {
					dyn = append(dyn, nil)
				}
				dyn[j] = mobj{"type": vInt(int64(tag)), "val": vInt(int64(val))}
				j++
				if tag == 0 {
					break
				}
			}
			o.setInt("dynamic_section_entries", int64(j))
		}
		o["segments"] = segs
		if dyn != nil {
			o["dynamic"] = dyn
		}
	}
	return o, errs
}

func (r elfReader) symbols(l elfLayout, tab, tabSize, str, strSize uint64) (marr, int64, error) {
	n := tabSize / l.sym
	var err error
	if n > maxELFEntries {
		n, err = maxELFEntries, fmt.Errorf("elf: more than %d symbols, the rest ignored", maxELFEntries)
	}
	out := make(marr, n)
	for j := uint64(0); j < n; j++ {
		p := tab + j*l.sym
		var name, info, shndx, val, size uint64
		if r.b64 {
			name, info, shndx, val, size = r.u32(p), r.u8(p+4), r.u16(p+6), r.u64(p+8), r.u64(p+16)
		} else {
			name, val, size, info, shndx = r.u32(p), r.u32(p+4), r.u32(p+8), r.u8(p+12), r.u16(p+14)
		}
		s := &elfSym{val: int64(val), size: int64(size), typ: int64(info & 0xf), bind: int64(info >> 4),
			shndx: int64(shndx)}
		s.name, s.hasName = r.cstrAt(str, str+strSize, name)
		out[j] = s
	}
	return out, int64(n), err
}

// elfSym is one symbol, kept compact: a shared library has tens of
// thousands.
type elfSym struct {
	name                        string
	hasName                     bool
	val, size, typ, bind, shndx int64
}

func (s *elfSym) field(name string) any {
	switch name {
	case "name":
		if s.hasName {
			return vStr(s.name)
		}
		return nil
	case "value":
		return vInt(s.val)
	case "size":
		return vInt(s.size)
	case "type":
		return vInt(s.typ)
	case "bind":
		return vInt(s.bind)
	case "shndx":
		return vInt(s.shndx)
	}
	return nil
}

// rvaToOffset is yara's elf_rva_to_offset: through the program headers
// for executables, through the sections otherwise.
func (r elfReader) rvaToOffset(l elfLayout, rva uint64) (uint64, bool) {
	size := uint64(len(r.d))
	mask := uint64(math.MaxUint64)
	if !r.b64 {
		mask = math.MaxUint32 // 32-bit address sums wrap as uint32
	}
	if r.u16(16) == 2 {
		phoff, n := r.word(l.phoff), r.u16(l.phnum)
		if math.MaxUint64-phoff < n*l.phdr || phoff == 0 || phoff > size || phoff+n*l.phdr > size || n == 0 {
			return 0, false
		}
		for i := uint64(0); i < n; i++ {
			ph := phoff + i*l.phdr
			var off, vaddr, memsz uint64
			if r.b64 {
				off, vaddr, memsz = r.u64(ph+8), r.u64(ph+16), r.u64(ph+40)
			} else {
				off, vaddr, memsz = r.u32(ph+4), r.u32(ph+8), r.u32(ph+20)
			}
			if rva >= vaddr && rva < (vaddr+memsz)&mask {
				return off + (rva - vaddr), true
			}
		}
		return 0, false
	}
	shoff, n := r.word(l.shoff), r.u16(l.shnum)
	if math.MaxUint64-shoff < n*l.shdr || shoff == 0 || shoff > size || shoff+n*l.shdr > size || n == 0 {
		return 0, false
	}
	for i := uint64(0); i < n; i++ {
		sh := shoff + i*l.shdr
		typ := r.u32(sh + 4)
		addr, off, ssize := r.word(sh+l.sAddr), r.word(sh+l.sOff), r.word(sh+l.sSize)
		if typ != 0 && typ != 8 && rva >= addr && rva < (addr+ssize)&mask {
			return off + (rva - addr), true
		}
	}
	return 0, false
}
