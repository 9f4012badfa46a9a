package msi

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// testStream is one root stream for buildCFB.
type testStream struct {
	name []uint16
	data []byte
}

// encodeName packs a readable MSI name ("!Property") the way MSI stores it.
func encodeName(s string) []uint16 {
	var out []uint16
	if strings.HasPrefix(s, "!") {
		out = append(out, 0x4840)
		s = s[1:]
	}
	idx := func(c byte) uint16 { return uint16(strings.IndexByte(nameChars, c)) }
	for i := 0; i < len(s); i += 2 {
		if i+1 < len(s) {
			out = append(out, 0x3800+idx(s[i])+idx(s[i+1])<<6)
		} else {
			out = append(out, 0x4800+idx(s[i]))
		}
	}
	return out
}

func plainName(s string) []uint16 { return utf16.Encode([]rune(s)) }

// buildCFB writes a version 3 compound file whose root holds streams, all
// in regular sectors (mini stream cutoff 0). Root CLSID is the MSI one.
func buildCFB(streams []testStream) []byte {
	const ss = 512
	le := binary.LittleEndian
	nDir := (len(streams) + 1 + 3) / 4
	var fat []uint32
	fat = append(fat, 0xfffffffd) // sector 0: the FAT
	chainOf := func(n int) uint32 {
		start := uint32(len(fat))
		for i := 0; i < n; i++ {
			if i == n-1 {
				fat = append(fat, endOfChain)
			} else {
				fat = append(fat, uint32(len(fat))+1)
			}
		}
		return start
	}
	dirStart := chainOf(nDir)
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		starts[i] = endOfChain
		if n := (len(s.data) + ss - 1) / ss; n > 0 {
			starts[i] = chainOf(n)
		}
	}
	for len(fat) < ss/4 {
		fat = append(fat, freeSect)
	}
	out := make([]byte, ss*(1+len(fat)))
	copy(out, cfbMagic)
	le.PutUint16(out[24:], 0x3e)
	le.PutUint16(out[26:], 3)
	le.PutUint16(out[28:], 0xfffe)
	le.PutUint16(out[30:], 9)
	le.PutUint16(out[32:], 6)
	le.PutUint32(out[44:], 1)
	le.PutUint32(out[48:], dirStart)
	le.PutUint32(out[60:], endOfChain)
	le.PutUint32(out[68:], endOfChain)
	le.PutUint32(out[76:], 0)
	for i := 1; i < 109; i++ {
		le.PutUint32(out[76+4*i:], freeSect)
	}
	for i, v := range fat[:ss/4] {
		le.PutUint32(out[ss+4*i:], v)
	}
	dir := out[ss*(1+int(dirStart)):]
	entry := func(i int, name []uint16, typ uint8, child, right, start uint32, size int) {
		e := dir[128*i:]
		for k, c := range name {
			le.PutUint16(e[2*k:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(name)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
	}
	entry(0, plainName("Root Entry"), typeRoot, 1, noStream, endOfChain, 0)
	copy(dir[80:], []byte{0x84, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46})
	for i, s := range streams {
		right := uint32(i + 2)
		if i == len(streams)-1 {
			right = noStream
		}
		entry(i+1, s.name, typeStream, noStream, right, starts[i], len(s.data))
		copy(out[ss*(1+int(starts[i])):], s.data)
	}
	return out
}

// msiTables builds the streams of a database with a Property table.
func msiTables(props [][2]string) []testStream {
	strs := []string{"Property", "Value"}
	for _, p := range props {
		strs = append(strs, p[0], p[1])
	}
	le := binary.LittleEndian
	pool := make([]byte, 4)
	var data []byte
	for _, s := range strs {
		pool = le.AppendUint16(pool, uint16(len(s)))
		pool = le.AppendUint16(pool, 1)
		data = append(data, s...)
	}
	ref := func(s string) uint16 {
		for i, x := range strs {
			if x == s {
				return uint16(i + 1)
			}
		}
		return 0
	}
	var cols []byte
	for _, v := range []uint16{ref("Property"), ref("Property"), 0x8001, 0x8002, ref("Property"), ref("Value"), 0x2d48 ^ 0x8000, 0x0b00 ^ 0x8000} {
		cols = le.AppendUint16(cols, v)
	}
	var prop []byte
	for col := 0; col < 2; col++ {
		for _, p := range props {
			prop = le.AppendUint16(prop, ref(p[col]))
		}
	}
	return []testStream{
		{encodeName("!_StringPool"), pool},
		{encodeName("!_StringData"), data},
		{encodeName("!_Columns"), cols},
		{encodeName("!Property"), prop},
	}
}
