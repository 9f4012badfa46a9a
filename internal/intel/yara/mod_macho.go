package yara

import (
	"encoding/binary"
	"fmt"
)

// machoModule is yara's macho module (4.2): the header, segments with
// their sections, the entry point (LC_MAIN, or LC_UNIXTHREAD's program
// counter mapped through the segments) and stack size, fat files'
// fat_arch entries with each architecture's file parsed into file[],
// and the fat helper functions. Read as yara reads them, quirks
// included (a fat member's header is parsed whatever its magic).
func machoModule() *module {
	consts := map[string]value{}
	for k, v := range machoConsts {
		consts[k] = vInt(v)
	}
	fileFields := func() map[string]*mtype {
		sect := structType(intFields(map[string]*mtype{"sectname": tyStr, "segname": tyStr}, "addr", "size",
			"offset", "align", "reloff", "nreloc", "flags", "reserved1", "reserved2", "reserved3"))
		seg := structType(intFields(map[string]*mtype{"segname": tyStr, "sections": arrayOf(sect)}, "vmaddr",
			"vmsize", "fileoff", "fsize", "maxprot", "initprot", "nsects", "flags"))
		return intFields(map[string]*mtype{"segments": arrayOf(seg)}, "magic", "cputype", "cpusubtype",
			"filetype", "ncmds", "sizeofcmds", "flags", "reserved", "number_of_segments", "entry_point", "stack_size")
	}
	fields := fileFields()
	fields["fat_magic"], fields["nfat_arch"] = tyInt, tyInt
	fields["fat_arch"] = arrayOf(structType(intFields(map[string]*mtype{}, "cputype", "cpusubtype", "offset",
		"size", "align")))
	fields["file"] = arrayOf(structType(fileFields()))
	fatFind := func(o mobj, arr, typ int64, sub int64, useSub bool) (int, bool) {
		if _, ok := o["nfat_arch"].(value); !ok {
			return 0, false
		}
		a, _ := o[map[int64]string{0: "file", 1: "fat_arch"}[arr]].(marr)
		for i, el := range a {
			m, _ := el.(mobj)
			if machoInt(m, "cputype") == typ && (!useSub || machoInt(m, "cpusubtype") == sub) {
				return i, true
			}
		}
		return 0, false
	}
	epFor := func(o mobj, typ, sub int64, useSub bool) value {
		i, ok := fatFind(o, 1, typ, sub, useSub)
		if !ok {
			return undef
		}
		fa, _ := o["fat_arch"].(marr)
		files, _ := o["file"].(marr)
		var f mobj
		if i < len(files) {
			f, _ = files[i].(mobj)
		}
		fm, _ := fa[i].(mobj)
		r := machoInt(fm, "offset") + machoInt(f, "entry_point")
		if uint64(r) == yrUndefined {
			return undef
		}
		return vInt(r)
	}
	funcs := map[string][]moduleFunc{
		"file_index_for_arch": {
			{"i", tInt, func(_ *evalCtx, o mobj, a []value) value {
				i, ok := fatFind(o, 0, a[0].i, 0, false)
				if !ok {
					return undef
				}
				return vInt(int64(i))
			}},
			{"ii", tInt, func(_ *evalCtx, o mobj, a []value) value {
				i, ok := fatFind(o, 0, a[0].i, a[1].i, true)
				if !ok {
					return undef
				}
				return vInt(int64(i))
			}},
		},
		"entry_point_for_arch": {
			{"i", tInt, func(_ *evalCtx, o mobj, a []value) value { return epFor(o, a[0].i, 0, false) }},
			{"ii", tInt, func(_ *evalCtx, o mobj, a []value) value { return epFor(o, a[0].i, a[1].i, true) }},
		},
	}
	return &module{consts: consts, fields: fields, funcs: funcs,
		parse: func(e *evalCtx) (mobj, error) { return parseMachO(e.in.Data) }}
}

// yrUndefined is yara's undefined integer; yara's macho code does
// arithmetic on it when a field is missing.
const yrUndefined = 0xFFFABADAFABADAFF

// machoInt reads an integer field as yara's get_integer does: a missing
// one is the undefined sentinel.
func machoInt(o mobj, name string) int64 {
	if v, ok := o[name].(value); ok {
		return v.i
	}
	u := uint64(yrUndefined)
	return int64(u)
}

// maxMachOSections bounds the sections read from one file.
const maxMachOSections = 1 << 16

func parseMachO(d []byte) (mobj, error) {
	if len(d) < 4 {
		return nil, nil
	}
	o := mobj{}
	switch binary.LittleEndian.Uint32(d) {
	case 0xfeedface, 0xcefaedfe, 0xfeedfacf, 0xcffaedfe:
		return o, machoFile(d, o)
	case 0xcafebabe, 0xbebafeca, 0xcafebabf, 0xbfbafeca:
		return o, machoFat(d, o)
	}
	return nil, nil
}

func machoFat(d []byte, o mobj) error {
	if len(d) < 8 {
		return nil
	}
	is32 := d[3] == 0xbe
	asz := uint64(32)
	if is32 {
		asz = 20
	}
	o.setInt("fat_magic", int64(binary.BigEndian.Uint32(d)))
	count := uint64(binary.BigEndian.Uint32(d[4:]))
	o.setInt("nfat_arch", int64(count))
	if uint64(len(d)) < 8+count*asz {
		return nil
	}
	arches, files := make(marr, count), make(marr, 0)
	var errs error
	for i := uint64(0); i < count; i++ {
		a := d[8+i*asz:]
		var off, size uint64
		cpu, sub := binary.BigEndian.Uint32(a), binary.BigEndian.Uint32(a[4:])
		align := uint32(0)
		if is32 {
			off, size, align = uint64(binary.BigEndian.Uint32(a[8:])), uint64(binary.BigEndian.Uint32(a[12:])),
				binary.BigEndian.Uint32(a[16:])
		} else {
			off, size = binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(a[16:])
			align = binary.BigEndian.Uint32(a[24:])
		}
		arches[i] = mobj{"cputype": vInt(int64(cpu)), "cpusubtype": vInt(int64(sub)), "offset": vInt(int64(off)),
			"size": vInt(int64(size)), "align": vInt(int64(align))}
		if off+size < off || uint64(len(d)) < off+size {
			continue
		}
		for uint64(len(files)) <= i {
			files = append(files, nil)
		}
		f := mobj{}
		if err := machoFile(d[off:off+size], f); err != nil && errs == nil {
			errs = err
		}
		files[i] = f
	}
	o["fat_arch"] = arches
	o["file"] = files
	return errs
}

func machoFile(d []byte, o mobj) error {
	if len(d) < 32 {
		return nil
	}
	is32 := d[0] == 0xce || d[3] == 0xce
	magic := binary.LittleEndian.Uint32(d)
	var bo binary.ByteOrder = binary.LittleEndian
	if magic == 0xcefaedfe || magic == 0xcffaedfe {
		bo = binary.BigEndian
	}
	hsize := uint64(32)
	if is32 {
		hsize = 28
	}
	u32 := func(off uint64) uint64 { return uint64(bo.Uint32(d[off:])) }
	u64 := func(off uint64) uint64 { return bo.Uint64(d[off:]) }
	o.setInt("magic", int64(magic))
	for i, f := range []string{"cputype", "cpusubtype", "filetype", "ncmds", "sizeofcmds", "flags"} {
		o.setInt(f, int64(u32(4+4*uint64(i))))
	}
	if !is32 {
		o.setInt("reserved", int64(u32(28)))
	}
	ncmds := u32(16)
	size := uint64(len(d))
	// walk calls f for each well-formed load command, as yara's loop.
	walk := func(f func(cmd, at, rest uint64)) {
		parsed := hsize
		at := hsize
		for i := uint64(0); i < ncmds; i++ {
			if at+8 > size {
				break
			}
			cmd, cmdsize := u32(at), u32(at+4)
			if size-parsed < cmdsize || cmdsize < 8 {
				break
			}
			f(cmd, at, size-parsed)
			at += cmdsize
			parsed += cmdsize
		}
	}
	var segs marr
	var errs error
	nsects := 0
	walk(func(cmd, at, rest uint64) {
		if cmd != 1 && cmd != 0x19 {
			return
		}
		seg64 := cmd == 0x19
		segs = append(segs, nil)
		ssize, secsize := uint64(56), uint64(68)
		if seg64 {
			ssize, secsize = 72, 80
		}
		if rest < ssize {
			return
		}
		s := mobj{"segname": vStr(cStrN(d[at+8 : at+24]))}
		var nsect, cmdsize uint64
		cmdsize = u32(at + 4)
		if seg64 {
			for i, f := range []string{"vmaddr", "vmsize", "fileoff", "fsize"} {
				s.setInt(f, int64(u64(at+24+8*uint64(i))))
			}
			for i, f := range []string{"maxprot", "initprot", "nsects", "flags"} {
				s.setInt(f, int64(u32(at+56+4*uint64(i))))
			}
			nsect = u32(at + 64)
		} else {
			for i, f := range []string{"vmaddr", "vmsize", "fileoff", "fsize", "maxprot", "initprot", "nsects", "flags"} {
				s.setInt(f, int64(u32(at+24+4*uint64(i))))
			}
			nsect = u32(at + 48)
		}
		var secs marr
		parsed := ssize
		for j := uint64(0); j < nsect; j++ {
			parsed += secsize
			if cmdsize < parsed {
				break
			}
			if nsects >= maxMachOSections {
				if errs == nil {
					errs = fmt.Errorf("macho: more than %d sections, the rest ignored", maxMachOSections)
				}
				break
			}
			nsects++
			p := at + ssize + j*secsize
			sec := mobj{"sectname": vStr(cStrN(d[p : p+16])), "segname": vStr(cStrN(d[p+16 : p+32]))}
			rest := []string{"offset", "align", "reloff", "nreloc", "flags", "reserved1", "reserved2"}
			q := p + 40
			if seg64 {
				sec.setInt("addr", int64(u64(p+32)))
				sec.setInt("size", int64(u64(p+40)))
				rest = append(rest, "reserved3")
				q = p + 48
			} else {
				sec.setInt("addr", int64(u32(p+32)))
				sec.setInt("size", int64(u32(p+36)))
			}
			for k, f := range rest {
				sec.setInt(f, int64(u32(q+4*uint64(k))))
			}
			secs = append(secs, sec)
		}
		if secs != nil {
			s["sections"] = secs
		}
		segs[len(segs)-1] = s
	})
	o.setInt("number_of_segments", int64(len(segs)))
	if segs != nil {
		o["segments"] = segs
	}
	walk(func(cmd, at, rest uint64) {
		switch cmd {
		case 5: // LC_UNIXTHREAD
			machoUnixThread(d, o, bo, at, rest)
		case 0x80000028: // LC_MAIN
			if rest < 24 {
				return
			}
			o.setInt("entry_point", int64(u64(at+8)))
			o.setInt("stack_size", int64(u64(at+16)))
		}
	})
	return errs
}

// machoUnixThread reads the program counter of an LC_UNIXTHREAD state
// (its size and the counter's offset per CPU) and maps it to a file
// offset through the segments.
func machoUnixThread(d []byte, o mobj, bo binary.ByteOrder, at, rest uint64) {
	if rest < 16 {
		return
	}
	// yara takes the command size as stored, without byte-swapping.
	csize := min(rest, uint64(binary.LittleEndian.Uint32(d[at+4:])))
	if csize < 16 {
		return
	}
	stateSize := csize - 16
	state := at + 16
	type pcAt struct {
		size, off uint64
		wide      bool
	}
	layouts := map[int64]pcAt{
		6: {72, 68, false}, 13: {136, 124, false}, 14: {76, 4, false}, 18: {160, 0, false}, 7: {64, 40, false},
		12: {68, 60, false}, 0x01000007: {168, 128, true}, 0x0100000c: {272, 256, true}, 0x01000012: {304, 0, true},
	}
	l, ok := layouts[machoInt(o, "cputype")]
	if !ok {
		return
	}
	var addr uint64
	if stateSize >= l.size {
		if l.wide {
			addr = bo.Uint64(d[state+l.off:])
		} else {
			addr = uint64(bo.Uint32(d[state+l.off:]))
		}
	}
	segs, _ := o["segments"].(marr)
	for _, el := range segs {
		s, _ := el.(mobj)
		start := uint64(machoInt(s, "vmaddr"))
		end := start + uint64(machoInt(s, "vmsize"))
		if addr >= start && addr < end {
			o.setInt("entry_point", int64(uint64(machoInt(s, "fileoff"))+(addr-start)))
			return
		}
	}
}

// cStrN is a fixed-size C string field: up to its first NUL.
func cStrN(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

var machoConsts = map[string]int64{
	"MH_MAGIC": 4277009102, "MH_CIGAM": 3472551422, "MH_MAGIC_64": 4277009103, "MH_CIGAM_64": 3489328638, "FAT_MAGIC": 3405691582, "FAT_CIGAM": 3199925962, "FAT_MAGIC_64": 3405691583, "FAT_CIGAM_64": 3216703178, "CPU_ARCH_ABI64": 16777216, "CPU_SUBTYPE_LIB64": 2147483648, "CPU_TYPE_MC680X0": 6, "CPU_TYPE_X86": 7, "CPU_TYPE_I386": 7, "CPU_TYPE_X86_64": 16777223, "CPU_TYPE_MIPS": 8, "CPU_TYPE_MC98000": 10, "CPU_TYPE_ARM": 12, "CPU_TYPE_ARM64": 16777228, "CPU_TYPE_MC88000": 13, "CPU_TYPE_SPARC": 14, "CPU_TYPE_POWERPC": 18, "CPU_TYPE_POWERPC64": 16777234, "CPU_SUBTYPE_INTEL_MODEL_ALL": 0, "CPU_SUBTYPE_386": 3, "CPU_SUBTYPE_I386_ALL": 3, "CPU_SUBTYPE_X86_64_ALL": 3, "CPU_SUBTYPE_486": 4, "CPU_SUBTYPE_486SX": 132, "CPU_SUBTYPE_586": 5, "CPU_SUBTYPE_PENT": 5, "CPU_SUBTYPE_PENTPRO": 22, "CPU_SUBTYPE_PENTII_M3": 54, "CPU_SUBTYPE_PENTII_M5": 86, "CPU_SUBTYPE_CELERON": 103, "CPU_SUBTYPE_CELERON_MOBILE": 119, "CPU_SUBTYPE_PENTIUM_3": 8, "CPU_SUBTYPE_PENTIUM_3_M": 24, "CPU_SUBTYPE_PENTIUM_3_XEON": 40, "CPU_SUBTYPE_PENTIUM_M": 9, "CPU_SUBTYPE_PENTIUM_4": 10, "CPU_SUBTYPE_PENTIUM_4_M": 26, "CPU_SUBTYPE_ITANIUM": 11, "CPU_SUBTYPE_ITANIUM_2": 27, "CPU_SUBTYPE_XEON": 12, "CPU_SUBTYPE_XEON_MP": 28, "CPU_SUBTYPE_ARM_ALL": 0, "CPU_SUBTYPE_ARM_V4T": 5, "CPU_SUBTYPE_ARM_V6": 6, "CPU_SUBTYPE_ARM_V5": 7, "CPU_SUBTYPE_ARM_V5TEJ": 7, "CPU_SUBTYPE_ARM_XSCALE": 8, "CPU_SUBTYPE_ARM_V7": 9, "CPU_SUBTYPE_ARM_V7F": 10, "CPU_SUBTYPE_ARM_V7S": 11, "CPU_SUBTYPE_ARM_V7K": 12, "CPU_SUBTYPE_ARM_V6M": 14, "CPU_SUBTYPE_ARM_V7M": 15, "CPU_SUBTYPE_ARM_V7EM": 16, "CPU_SUBTYPE_ARM64_ALL": 0, "CPU_SUBTYPE_SPARC_ALL": 0, "CPU_SUBTYPE_POWERPC_ALL": 0, "CPU_SUBTYPE_MC980000_ALL": 0, "CPU_SUBTYPE_POWERPC_601": 1, "CPU_SUBTYPE_MC98601": 1, "CPU_SUBTYPE_POWERPC_602": 2, "CPU_SUBTYPE_POWERPC_603": 3, "CPU_SUBTYPE_POWERPC_603e": 4, "CPU_SUBTYPE_POWERPC_603ev": 5, "CPU_SUBTYPE_POWERPC_604": 6, "CPU_SUBTYPE_POWERPC_604e": 7, "CPU_SUBTYPE_POWERPC_620": 8, "CPU_SUBTYPE_POWERPC_750": 9, "CPU_SUBTYPE_POWERPC_7400": 10, "CPU_SUBTYPE_POWERPC_7450": 11, "CPU_SUBTYPE_POWERPC_970": 100, "MH_OBJECT": 1, "MH_EXECUTE": 2, "MH_FVMLIB": 3, "MH_CORE": 4, "MH_PRELOAD": 5, "MH_DYLIB": 6, "MH_DYLINKER": 7, "MH_BUNDLE": 8, "MH_DYLIB_STUB": 9, "MH_DSYM": 10, "MH_KEXT_BUNDLE": 11, "MH_NOUNDEFS": 1, "MH_INCRLINK": 2, "MH_DYLDLINK": 4, "MH_BINDATLOAD": 8, "MH_PREBOUND": 16, "MH_SPLIT_SEGS": 32, "MH_LAZY_INIT": 64, "MH_TWOLEVEL": 128, "MH_FORCE_FLAT": 256, "MH_NOMULTIDEFS": 512, "MH_NOFIXPREBINDING": 1024, "MH_PREBINDABLE": 2048, "MH_ALLMODSBOUND": 4096, "MH_SUBSECTIONS_VIA_SYMBOLS": 8192, "MH_CANONICAL": 16384, "MH_WEAK_DEFINES": 32768, "MH_BINDS_TO_WEAK": 65536, "MH_ALLOW_STACK_EXECUTION": 131072, "MH_ROOT_SAFE": 262144, "MH_SETUID_SAFE": 524288, "MH_NO_REEXPORTED_DYLIBS": 1048576, "MH_PIE": 2097152, "MH_DEAD_STRIPPABLE_DYLIB": 4194304, "MH_HAS_TLV_DESCRIPTORS": 8388608, "MH_NO_HEAP_EXECUTION": 16777216, "MH_APP_EXTENSION_SAFE": 33554432, "SG_HIGHVM": 1, "SG_FVMLIB": 2, "SG_NORELOC": 4, "SG_PROTECTED_VERSION_1": 8, "SECTION_TYPE": 255, "SECTION_ATTRIBUTES": 4294967040, "S_REGULAR": 0, "S_ZEROFILL": 1, "S_CSTRING_LITERALS": 2, "S_4BYTE_LITERALS": 3, "S_8BYTE_LITERALS": 4, "S_NON_LAZY_SYMBOL_POINTERS": 6, "S_LAZY_SYMBOL_POINTERS": 7, "S_LITERAL_POINTERS": 5, "S_SYMBOL_STUBS": 8, "S_MOD_INIT_FUNC_POINTERS": 9, "S_MOD_TERM_FUNC_POINTERS": 10, "S_COALESCED": 11, "S_GB_ZEROFILL": 12, "S_INTERPOSING": 13, "S_16BYTE_LITERALS": 14, "S_DTRACE_DOF": 15, "S_LAZY_DYLIB_SYMBOL_POINTERS": 16, "S_THREAD_LOCAL_REGULAR": 17, "S_THREAD_LOCAL_ZEROFILL": 18, "S_THREAD_LOCAL_VARIABLES": 19, "S_THREAD_LOCAL_VARIABLE_POINTERS": 20, "S_THREAD_LOCAL_INIT_FUNCTION_POINTERS": 21, "S_ATTR_PURE_INSTRUCTIONS": 2147483648, "S_ATTR_NO_TOC": 1073741824, "S_ATTR_STRIP_STATIC_SYMS": 536870912, "S_ATTR_NO_DEAD_STRIP": 268435456, "S_ATTR_LIVE_SUPPORT": 134217728, "S_ATTR_SELF_MODIFYING_CODE": 67108864, "S_ATTR_DEBUG": 33554432, "S_ATTR_SOME_INSTRUCTIONS": 1024, "S_ATTR_EXT_RELOC": 512, "S_ATTR_LOC_RELOC": 256,
}
