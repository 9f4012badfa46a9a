package windows

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
)

// appendBin adds a hive bin holding cells to the end of a hive and returns
// the new hive and each cell's offset (relative to the first bin).
func appendBin(b []byte, cells ...[]byte) ([]byte, []uint32) {
	binStart := len(b)
	bin := make([]byte, 0x20, 0x1000)
	copy(bin, "hbin")
	var offs []uint32
	for _, c := range cells {
		n := (4 + len(c) + 7) &^ 7
		offs = append(offs, uint32(binStart+len(bin)-hbinStart))
		cell := make([]byte, n)
		binary.LittleEndian.PutUint32(cell, uint32(-int32(n)))
		copy(cell[4:], c)
		bin = append(bin, cell...)
	}
	size := (len(bin) + 0xfff) &^ 0xfff
	free := size - len(bin)
	if free > 0 {
		tail := make([]byte, free)
		binary.LittleEndian.PutUint32(tail, uint32(free))
		bin = append(bin, tail...)
	}
	binary.LittleEndian.PutUint32(bin[4:], uint32(binStart-hbinStart))
	binary.LittleEndian.PutUint32(bin[8:], uint32(size))
	b = append(b, bin...)
	binary.LittleEndian.PutUint32(b[0x28:], uint32(len(b)-hbinStart))
	hivelog.SetChecksum(b) // a clean hive, as Windows writes it
	return b, offs
}

func utf16z(s string) []byte {
	var out []byte
	for _, u := range append(utf16.Encode([]rune(s)), 0) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// TestBigDataValue stores 7-Zip's DisplayName as a big-data ("db") value in
// two segments, as Windows does for values over 16344 bytes.
func TestBigDataValue(t *testing.T) {
	b := []byte(readFile(t, "testdata/seed/software.hive"))
	long := strings.Repeat("X", 8222)
	data := utf16z(long)
	seg1, seg2 := data[:bigSegment], data[bigSegment:]
	b, offs := appendBin(b, seg1, seg2)
	list := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, offs[0]), offs[1])
	b, lo := appendBin(b, list)
	db := append([]byte("db"), 2, 0)
	db = binary.LittleEndian.AppendUint32(db, lo[0])
	b, dbo := appendBin(b, db)

	v, _ := entry(t, uninstallKey(t, b), "7-Zip").values()
	vk := v["displayname"].start
	put32(b, vk+4, uint32(len(data)))
	put32(b, vk+8, dbo[0])

	sink := collectBytes(t, New(), b)
	if len(sink.Errors) != 0 {
		t.Fatalf("errors: %+v", sink.Errors)
	}
	found := false
	for _, s := range sink.Software {
		found = found || (s.Identifier == "7-Zip" && s.Name == long)
	}
	if !found {
		t.Errorf("the big-data DisplayName was not read back")
	}

	// One segment missing: the value is reported as an error.
	put32(b, vk+4, uint32(len(data)+4000))
	sink = collectBytes(t, New(), b)
	if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, "segments hold") {
		t.Errorf("errors %+v, want one about missing segment data", sink.Errors)
	}
}
