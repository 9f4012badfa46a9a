package pefile

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// VersionInfo is one VS_VERSIONINFO resource (one per language entry of
// RT_VERSION; almost every image has one).
type VersionInfo struct {
	Resource Resource       // the leaf it was read from
	Fixed    *FixedFileInfo // nil when absent or without its signature
	// Tables are the StringFileInfo string tables in file order; a file
	// may carry one per language.
	Tables []StringTable
	// Translations is VarFileInfo\Translation: the language/code page
	// pairs the file declares.
	Translations []Translation
}

// StringTable is one StringFileInfo table, keyed by language and code page
// as eight hex digits ("040904b0").
type StringTable struct {
	Key            string
	Lang, CodePage uint16 // parsed from Key (zero when it is not hex)
	Strings        []VersionString
}

// VersionString is one name/value pair, in file order; a value keeps
// whatever the file holds (NULs after the first are dropped).
type VersionString struct{ Key, Value string }

// Translation is one language/code page pair.
type Translation struct{ Lang, CodePage uint16 }

// FixedFileInfo is VS_FIXEDFILEINFO.
type FixedFileInfo struct {
	Signature, StrucVersion            uint32
	FileVersionMS, FileVersionLS       uint32
	ProductVersionMS, ProductVersionLS uint32
	FileFlagsMask, FileFlags           uint32
	FileOS, FileType, FileSubtype      uint32
	FileDateMS, FileDateLS             uint32
}

// FileVersion formats the fixed file version as a.b.c.d.
func (x *FixedFileInfo) FileVersion() string { return dotted(x.FileVersionMS, x.FileVersionLS) }

// ProductVersion formats the fixed product version as a.b.c.d.
func (x *FixedFileInfo) ProductVersion() string {
	return dotted(x.ProductVersionMS, x.ProductVersionLS)
}

func dotted(ms, ls uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
}

// Strings merges every table's pairs into one map, a later table's value
// replacing an earlier one's (what YARA's pe.version_info does).
func (v *VersionInfo) Strings() map[string]string {
	m := map[string]string{}
	for _, t := range v.Tables {
		for _, s := range t.Strings {
			m[s.Key] = s.Value
		}
	}
	return m
}

const (
	fixedSig        = 0xfeef04bd
	maxVersionNodes = 4096
	maxVersionDepth = 4
)

// VersionInfo reads every RT_VERSION leaf of the resource tree.
func (f *File) VersionInfo() ([]VersionInfo, error) {
	res, err := f.Resources()
	if res == nil {
		return nil, err
	}
	var errs errList
	errs.add(err)
	var out []VersionInfo
	for _, r := range res.Entries {
		if r.Type.Named || r.Type.ID != RTVersion {
			continue
		}
		b, err := f.ResourceData(r)
		if err != nil {
			errs.add(err)
			continue
		}
		v, err := ParseVersionInfo(b, r.Offset)
		if v != nil {
			v.Resource = r
			out = append(out, *v)
		}
		errs.add(err)
	}
	return out, errs.err()
}

// verNode is one node of the version resource tree.
type verNode struct {
	off      int // in the resource data
	key      string
	typ      uint16
	valueLen int // as declared
	value    []byte
	children []verNode
}

type verParser struct {
	b     []byte
	base  int64 // file offset of b, for errors
	nodes int
	errs  errList
}

// ParseVersionInfo parses a VS_VERSIONINFO resource b found at file offset
// off (used only in errors). A block whose key is not VS_VERSION_INFO is
// refused whole, with one error.
func ParseVersionInfo(b []byte, off int64) (*VersionInfo, error) {
	p := &verParser{b: b, base: off}
	if len(b) >= 6 {
		if k, _ := p.key(6, len(b)); k != "VS_VERSION_INFO" {
			return nil, errAt(off, "VS_VERSIONINFO", "key %s is not VS_VERSION_INFO: not a version block", short(k))
		}
	}
	root, ok := p.node(0, len(b), 0, false)
	if !ok {
		return nil, p.errs.err()
	}
	v := &VersionInfo{}
	if len(root.value) >= 52 && binary.LittleEndian.Uint32(root.value) == fixedSig {
		v.Fixed = parseFixed(root.value)
	}
	for _, c := range root.children {
		switch c.key {
		case "StringFileInfo":
			for _, t := range c.children {
				v.Tables = append(v.Tables, stringTable(t))
			}
		case "VarFileInfo":
			for _, t := range c.children {
				for i := 0; t.key == "Translation" && i+4 <= len(t.value); i += 4 {
					v.Translations = append(v.Translations, Translation{binary.LittleEndian.Uint16(t.value[i:]), binary.LittleEndian.Uint16(t.value[i+2:])})
				}
			}
		}
	}
	return v, p.errs.err()
}

// short quotes s for an error, cut to 40 characters.
func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return strconv.QuoteToASCII(string(r[:40])) + "…"
	}
	return strconv.QuoteToASCII(s)
}

func stringTable(t verNode) StringTable {
	st := StringTable{Key: t.key}
	if n, err := strconv.ParseUint(t.key, 16, 32); err == nil && len(t.key) == 8 {
		st.Lang, st.CodePage = uint16(n>>16), uint16(n)
	}
	for _, s := range t.children {
		v := decodeUTF16(s.value)
		if i := strings.IndexByte(v, 0); i >= 0 {
			v = v[:i]
		}
		st.Strings = append(st.Strings, VersionString{Key: s.key, Value: v})
	}
	return st
}

func parseFixed(b []byte) *FixedFileInfo {
	var u [13]uint32
	for i := range u {
		u[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return &FixedFileInfo{u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12]}
}

func (p *verParser) fail(off int, what, format string, a ...any) {
	p.errs.add(errAt(p.base+int64(off), what, format, a...))
}

func align4(n int) int { return (n + 3) &^ 3 }

// node parses the node at off, which must end by limit. inSFI tells a node
// under StringFileInfo: a String there (depth 3) declares its value length
// in characters, every other node in bytes.
func (p *verParser) node(off, limit, depth int, inSFI bool) (verNode, bool) {
	if p.nodes++; p.nodes > maxVersionNodes {
		if p.nodes == maxVersionNodes+1 {
			p.fail(off, "version node", "over %d nodes: the rest skipped", maxVersionNodes)
		}
		return verNode{}, false
	}
	if off+6 > limit {
		p.fail(off, "version node", "header runs past its parent (ends at %#x)", p.base+int64(limit))
		return verNode{}, false
	}
	le := binary.LittleEndian
	n := verNode{off: off, valueLen: int(le.Uint16(p.b[off+2:])), typ: le.Uint16(p.b[off+4:])}
	length := int(le.Uint16(p.b[off:]))
	if length < 6 || off+length > limit {
		p.fail(off, "version node", "length %d outside its parent (%d bytes left)", length, limit-off)
		if length < 6 {
			return verNode{}, false
		}
		length = limit - off
	}
	end := off + length
	k, vstart := p.key(off+6, end)
	n.key = k
	vstart = min(align4(vstart), end)
	vlen := n.valueLen
	text := inSFI && depth == 3
	if text {
		vlen *= 2
		if vlen == 0 || vstart+vlen > end {
			vlen = end - vstart // the declared length is often wrong
		}
	}
	if vstart+vlen > end {
		p.fail(off, "version node "+short(k), "value of %d bytes runs past the node's end", vlen)
		vlen = end - vstart
	}
	n.value = p.b[vstart : vstart+vlen]
	if depth+1 >= maxVersionDepth {
		return n, true
	}
	inSFI = inSFI || depth == 1 && n.key == "StringFileInfo"
	for c := align4(vstart + vlen); c+6 <= end; {
		child, ok := p.node(c, end, depth+1, inSFI)
		if !ok {
			break
		}
		n.children = append(n.children, child)
		c = align4(c + int(le.Uint16(p.b[c:])))
	}
	return n, true
}

// key reads a NUL-terminated UTF-16 key from off and returns it and the
// offset after its NUL.
func (p *verParser) key(off, end int) (string, int) {
	for i := off; i+2 <= end; i += 2 {
		if p.b[i] == 0 && p.b[i+1] == 0 {
			return decodeUTF16(p.b[off:i]), i + 2
		}
	}
	p.fail(off, "version node key", "no terminating NUL before the node's end")
	return decodeUTF16(p.b[off:end]), end
}
