package windows

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"www.velocidex.com/golang/regparser"
)

// Limits for one hive. Real SOFTWARE hives are tens to a few hundred MiB,
// an Uninstall key holds hundreds to a few thousand entries, and an entry a
// few dozen values of at most a few KiB.
const (
	// MaxHiveSize is the largest hive file read; a larger one is reported
	// as an error and skipped.
	MaxHiveSize = 512 << 20

	maxSubkeys   = 1 << 16  // subkeys listed under one key
	maxValues    = 1 << 12  // values listed under one key
	maxValueData = 1 << 16  // bytes of one value decoded
	maxCells     = 1 << 22  // cells visited in one hive
	maxDecoded   = 64 << 20 // bytes of names and value data decoded in one hive
	maxKeyName   = 512      // bytes; Windows allows 255 characters
	maxValueName = 32767    // bytes; Windows allows 16383 characters
)

const (
	hbinStart  = 0x1000 // cell offsets count from the first hive bin
	sigNK      = 0x6b6e // "nk" key node
	sigVK      = 0x6b76 // "vk" value
	sigLF      = 0x666c // "lf" fast leaf
	sigLH      = 0x686c // "lh" hash leaf
	sigLI      = 0x696c // "li" index leaf
	sigRI      = 0x6972 // "ri" index root
	sigDB      = 0x6264 // "db" big data
	noCell     = 0xffffffff
	nkFixed    = 0x4c // key node bytes before its name
	vkFixed    = 0x14 // value bytes before its name
	bigSegment = 16344
)

// Budgets per hive; variables so tests can make them small.
var (
	cellBudget = maxCells
	byteBudget = maxDecoded
)

// errBudget stops a hive whose structure makes us visit far more cells or
// decode far more bytes than any real hive needs.
var errBudget = errors.New("hive work budget exhausted (cells visited or bytes decoded over the cap)")

// hive is one registry hive file held in memory.
type hive struct {
	data    []byte
	r       *bytes.Reader
	prof    *regparser.RegistryProfile
	base    *regparser.HBASE_BLOCK
	cells   int
	decoded int
}

// openHive checks the base block and the first hive bin.
func openHive(data []byte) (*hive, error) {
	if len(data) < hbinStart+0x20 {
		return nil, fmt.Errorf("%d bytes is too short for a hive", len(data))
	}
	r := bytes.NewReader(data)
	reg, err := regparser.NewRegistry(r)
	if err != nil {
		return nil, fmt.Errorf("base block at offset 0: %w", err)
	}
	bins := int64(reg.BaseBlock.Length())
	if hbinStart+bins > int64(len(data)) {
		return nil, fmt.Errorf("truncated: the base block declares %d bytes of hive bins, the file holds %d",
			bins, len(data)-hbinStart)
	}
	if !bytes.Equal(data[hbinStart:hbinStart+4], []byte("hbin")) {
		return nil, fmt.Errorf("no hive bin signature at offset %#x", hbinStart)
	}
	return &hive{data: data, r: r, prof: reg.Profile, base: reg.BaseBlock}, nil
}

// root returns the hive's root key. Its path is empty: paths in messages
// start below it, as in HKLM\SOFTWARE\<path>.
func (h *hive) root() (*key, error) {
	k, err := h.keyAt(h.base.RootCell(), "")
	if k != nil {
		k.path = ""
	}
	return k, err
}

// cell checks the allocated cell at off (relative to the first hive bin)
// and returns the file offset and length of its payload.
func (h *hive) cell(off uint32) (start, size int64, err error) {
	if h.cells++; h.cells > cellBudget {
		return 0, 0, errBudget
	}
	abs := hbinStart + int64(off)
	if off == noCell || abs+4 > int64(len(h.data)) {
		return 0, 0, fmt.Errorf("cell offset %#x lies outside the %d-byte hive", off, len(h.data))
	}
	raw := int32(h.prof.HCELL(h.r, abs).Next())
	if raw >= 0 {
		return 0, 0, fmt.Errorf("cell at %#x is free (size field %d)", abs, raw)
	}
	n := -int64(raw)
	if n < 8 || abs+n > int64(len(h.data)) {
		return 0, 0, fmt.Errorf("cell at %#x has a bad size %d", abs, n)
	}
	return abs + 4, n - 4, nil
}

func (h *hive) u16(off int64) uint16 { return binary.LittleEndian.Uint16(h.data[off:]) }
func (h *hive) u32(off int64) uint32 { return binary.LittleEndian.Uint32(h.data[off:]) }

// spend counts n bytes of names or value data against the hive's decoding budget.
func (h *hive) spend(n int) error {
	if h.decoded += n; h.decoded > byteBudget {
		return errBudget
	}
	return nil
}
