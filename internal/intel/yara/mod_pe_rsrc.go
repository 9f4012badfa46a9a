package yara

import "fmt"

// Resources and version info as yara 4.2's pe module reads them
// (pe_iterate_resources, pe_collect_resources, pe_parse_version_info),
// with its quirks kept: a named type, name or language is the raw
// UTF-16LE bytes of its directory string and leaves the integer
// undefined; the type, id and language integers are shared across the
// walk (a leaf high in the tree sees the last values set below); a
// version-info string is copied by the low byte of each UTF-16 unit up to
// the first unit whose low byte is zero, keys to 63 bytes and values to
// 255. Unlike yara, the walk is bounded: yara visits every entry of a
// tree whose directories may share subdirectories (65536³ visits on a
// hostile file); here the walk stops after peMaxResourceVisits entries
// and the scan budget below, with an error for the file.

const (
	peMaxResources = 65536 // yara's MAX_RESOURCES: resources beyond index 65536 are not collected
	// peMaxResourceVisits bounds the directory entries the walk visits.
	peMaxResourceVisits = 1 << 20
	// peVersionBudget bounds the bytes the version-info walk inspects
	// over all version resources of one file.
	peVersionBudget = 64 << 20
)

type peResource struct {
	rva, length int64
	offset      int64
	hasOffset   bool
	// ints[k] is the type, id and language; strs[k] its string
	// (raw UTF-16LE) when the directory entry is named.
	ints    [3]int64
	strs    [3]string
	hasStrs [3]bool
}

type peVersionInfo struct{ key, value string }

type rsrcWalk struct {
	r       *peReader
	p       *peParsed
	base    uint64 // file offset of the root resource directory
	ids     [3]int64
	visits  int
	budget  int64
	aborted error
}

// resources is yara's pe_iterate_resources with pe_collect_resources.
func (r *peReader) resources(p *peParsed) error {
	dir, ok := r.directory(2)
	if !ok || r.u32(dir) == 0 {
		return nil
	}
	off := r.rvaToOffset(r.u32(dir))
	if off < 0 || !r.fits(uint64(off), 16) {
		return nil
	}
	o := uint64(off)
	p.hasResDir = true
	p.resTimestamp = int64(r.u32(o + 4))
	p.resMajor, p.resMinor = int64(r.u16(o+8)), int64(r.u16(o+10))
	w := &rsrcWalk{r: r, p: p, base: o, ids: [3]int64{-1, -1, -1}, budget: peVersionBudget}
	w.dir(o, 0, [3]string{}, [3]bool{})
	return w.aborted
}

const (
	rsrcFinished = iota
	rsrcAborted
)

// dir is _pe_iterate_resources over the directory at file offset d.
func (w *rsrcWalk) dir(d uint64, level int, strs [3]string, has [3]bool) int {
	r := w.r
	named, ids := r.u16(d+12), r.u16(d+14)
	if r.u32(d) != 0 || named > 32768 || ids > 32768 {
		return rsrcFinished
	}
	total := named + ids
	entry := d + 16
	result := rsrcFinished
	for i := uint64(0); i < total; i++ {
		if !r.fits(entry, 8) {
			return rsrcAborted
		}
		if w.visits++; w.visits > peMaxResourceVisits {
			if w.aborted == nil {
				w.aborted = fmt.Errorf("pe: resource tree has more than %d entries, the rest not read", peMaxResourceVisits)
			}
			return rsrcAborted
		}
		name, data := r.u32(entry), r.u32(entry+4)
		if level <= 2 {
			w.ids[level] = int64(int32(uint32(name)))
			strs[level], has[level] = w.name(name)
		}
		target := w.base + uint64(data&0x7fffffff)
		if data&0x80000000 != 0 && level < 2 {
			if r.fits(target, 16) {
				result = w.dir(target, level+1, strs, has)
			} else {
				result = rsrcAborted
			}
		} else if r.fits(target, 16) {
			w.collect(target, strs, has)
		} else {
			result = rsrcAborted
		}
		if result == rsrcAborted {
			break
		}
		entry += 8
	}
	return result
}

// name is parse_resource_name: a named entry's directory string as its
// raw UTF-16LE bytes, when it fits in the file.
func (w *rsrcWalk) name(name uint64) (string, bool) {
	if name&0x80000000 == 0 {
		return "", false
	}
	s := w.base + name&0x7fffffff
	if !w.r.fits(s, 2) {
		return "", false
	}
	n := 2 * w.r.u16(s)
	if !w.r.fits(s, 2+n) {
		return "", false
	}
	return string(w.r.d[s+2 : s+2+n]), true
}

// collect is pe_collect_resources for the data entry at file offset e.
func (w *rsrcWalk) collect(e uint64, strs [3]string, has [3]bool) {
	p, r := w.p, w.r
	if len(p.resources) > peMaxResources {
		return
	}
	rva := r.u32(e)
	res := peResource{rva: int64(rva), length: int64(r.u32(e + 4)), ints: w.ids, strs: strs, hasStrs: has}
	if off := r.rvaToOffset(rva); off >= 0 {
		res.offset, res.hasOffset = off, true
	}
	p.resources = append(p.resources, res)
	if w.ids[0] == 16 { // RESOURCE_TYPE_VERSION
		w.versionInfo(rva)
	}
}

// align4 is yara's ADD_OFFSET: an offset rounded up to 4.
func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// wideEq is strcmp_w(key, s) == 0 for the UTF-16LE string at off.
func (r *peReader) wideEq(off uint64, s string) bool {
	for i := 0; i < len(s); i++ {
		if r.u8(off+2*uint64(i)) != uint64(s[i]) || r.u8(off+2*uint64(i)+1) != 0 {
			return false
		}
	}
	end := off + 2*uint64(len(s))
	return r.u8(end) == 0 && r.u8(end+1) == 0
}

// wideLen is wide_string_fits_in_pe and strnlen_w: the number of UTF-16
// units before a NUL unit at off, or false when no NUL unit follows in
// the file. It spends the walk's budget.
func (w *rsrcWalk) wideLen(off uint64) (uint64, bool) {
	d := w.r.d
	if off >= uint64(len(d)) {
		return 0, false
	}
	for i := off; i+1 < uint64(len(d)); i += 2 {
		if w.budget--; w.budget < 0 {
			return 0, false
		}
		if d[i] == 0 && d[i+1] == 0 {
			return (i - off) / 2, true
		}
	}
	return 0, false
}

// narrow is strlcpy_w into a buffer of n bytes: the low byte of each
// unit, up to the first unit whose low byte is zero.
func (r *peReader) narrow(off uint64, n int) string {
	var b []byte
	for i := off; len(b) < n-1 && i < r.size(); i += 2 {
		c := r.d[i]
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// versionInfo is pe_parse_version_info for the resource data at rva.
func (w *rsrcWalk) versionInfo(rva uint64) {
	r, p := w.r, w.p
	off := r.rvaToOffset(rva)
	if off < 0 {
		return
	}
	vi := uint64(off)
	if !r.fits(vi, 6) || !r.fits(vi+6, 32) || !r.wideEq(vi+6, "VS_VERSION_INFO") {
		return
	}
	vi += align4(6 + 86)
	for r.fits(vi+6, 24) && r.wideEq(vi+6, "VarFileInfo") && r.u16(vi) != 0 {
		vi += align4(r.u16(vi))
	}
	for r.fits(vi+6, 30) && r.wideEq(vi+6, "StringFileInfo") && r.u16(vi) != 0 {
		if w.budget < 0 {
			w.budgetErr()
			return
		}
		table := vi + align4(6+30)
		vi += align4(r.u16(vi))
		for r.fits(table, 6) && r.u16(table) != 0 && table < vi {
			klen, ok := w.wideLen(table + 6)
			if !ok {
				break
			}
			s := table + align4(6+2*(klen+1))
			table += align4(r.u16(table))
			for r.fits(s, 6) && r.u16(s) != 0 && s < table {
				slen, ok := w.wideLen(s + 6)
				if !ok {
					break
				}
				val := s + align4(6+2*(slen+1))
				if _, ok := w.wideLen(val); ok {
					v := r.narrow(val, 256)
					if r.u16(s+2) == 0 {
						v = ""
					}
					p.versionInfo = append(p.versionInfo, peVersionInfo{key: r.narrow(s+6, 64), value: v})
				}
				s += align4(r.u16(s))
			}
		}
	}
	if w.budget < 0 {
		w.budgetErr()
	}
}

func (w *rsrcWalk) budgetErr() {
	if w.aborted == nil {
		w.aborted = fmt.Errorf("pe: version info walk over %d bytes, the rest not read", peVersionBudget)
	}
}
