package macho

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"fmt"
	"strings"

	_ "crypto/sha1"   // code directory hash types
	_ "crypto/sha256" // code directory hash types
	_ "crypto/sha512" // SHA-384 code directories
)

// codeDir is a parsed code directory.
type codeDir struct {
	raw        []byte
	version    uint32
	flags      uint32
	hashOff    int
	nSpecial   int
	nCode      int
	codeLimit  int64
	hashSize   int
	hashType   uint8
	pageShift  uint8
	identifier string
	teamID     string
}

// Code directory hash types.
var hashTypes = map[uint8]struct {
	h    crypto.Hash
	name string
}{
	1: {crypto.SHA1, "sha1"},
	2: {crypto.SHA256, "sha256"},
	3: {crypto.SHA256, "sha256-truncated"},
	4: {crypto.SHA384, "sha384"},
}

// strength orders hash types for choosing the CDHash to report.
var strength = map[uint8]int{1: 1, 3: 2, 2: 3, 4: 4}

func parseCodeDir(b []byte) (*codeDir, error) {
	be := binary.BigEndian
	if len(b) < 44 || be.Uint32(b) != magicCodeDirectory {
		return nil, fmt.Errorf("code directory: bad magic or %d bytes", len(b))
	}
	cd := &codeDir{
		raw:       b,
		version:   be.Uint32(b[8:]),
		flags:     be.Uint32(b[12:]),
		hashOff:   int(be.Uint32(b[16:])),
		nSpecial:  int(be.Uint32(b[24:])),
		nCode:     int(be.Uint32(b[28:])),
		codeLimit: int64(be.Uint32(b[32:])),
		hashSize:  int(b[36]),
		hashType:  b[37],
		pageShift: b[39],
	}
	ht, ok := hashTypes[cd.hashType]
	if !ok || cd.hashSize == 0 || cd.hashSize > ht.h.Size() {
		return nil, fmt.Errorf("code directory: hash type %d with %d-byte hashes unsupported", cd.hashType, cd.hashSize)
	}
	if cd.version >= 0x20300 && len(b) >= 64 {
		if l64 := be.Uint64(b[56:]); l64 != 0 {
			cd.codeLimit = int64(min(l64, 1<<62))
		}
	}
	special, code := int64(cd.nSpecial)*int64(cd.hashSize), int64(cd.nCode)*int64(cd.hashSize)
	if int64(cd.hashOff) < special || int64(cd.hashOff)+code > int64(len(b)) {
		return nil, fmt.Errorf("code directory: %d special and %d code slots do not fit at offset %d of %d bytes",
			cd.nSpecial, cd.nCode, cd.hashOff, len(b))
	}
	if cd.pageShift != 0 && (cd.pageShift < 9 || cd.pageShift > 24) {
		return nil, fmt.Errorf("code directory: page size 2^%d unsupported", cd.pageShift)
	}
	var err error
	if cd.identifier, err = cString(b, be.Uint32(b[20:])); err != nil {
		return nil, fmt.Errorf("code directory identifier: %w", err)
	}
	if cd.version >= 0x20200 && len(b) >= 52 {
		if off := be.Uint32(b[48:]); off != 0 {
			if cd.teamID, err = cString(b, off); err != nil {
				return nil, fmt.Errorf("code directory team ID: %w", err)
			}
		}
	}
	return cd, nil
}

func cString(b []byte, off uint32) (string, error) {
	if int64(off) >= int64(len(b)) {
		return "", fmt.Errorf("offset %d outside the %d-byte blob", off, len(b))
	}
	end := bytes.IndexByte(b[off:], 0)
	if end < 0 {
		return "", fmt.Errorf("string at %d not terminated", off)
	}
	return strings.ToValidUTF8(string(b[off:int(off)+end]), "\uFFFD"), nil
}

// hash returns the hash algorithm of the directory.
func (cd *codeDir) hash() crypto.Hash { return hashTypes[cd.hashType].h }

// cdhash is the directory's hash truncated to 20 bytes, as Apple prints it.
func (cd *codeDir) cdhash() []byte {
	h := cd.hash().New()
	h.Write(cd.raw)
	return h.Sum(nil)[:20]
}

// codeSlot returns the stored hash of page i.
func (cd *codeDir) codeSlot(i int) []byte {
	o := cd.hashOff + i*cd.hashSize
	return cd.raw[o : o+cd.hashSize]
}

// specialSlot returns the stored hash of special slot n (1-based), or nil
// when the directory has fewer special slots.
func (cd *codeDir) specialSlot(n int) []byte {
	if n < 1 || n > cd.nSpecial {
		return nil
	}
	o := cd.hashOff - n*cd.hashSize
	return cd.raw[o : o+cd.hashSize]
}

// pageSize is the code page size; 0 means one page spanning the code.
func (cd *codeDir) pageSize() int64 {
	if cd.pageShift == 0 {
		return 0
	}
	return 1 << cd.pageShift
}

// Code directory flag names, as codesign prints them.
var flagNames = []struct {
	bit  uint32
	name string
}{
	{0x1, "host"}, {0x2, "adhoc"}, {0x4, "get-task-allow"}, {0x8, "installer"},
	{0x10, "forced-lv"}, {0x20, "invalid-allowed"}, {0x100, "hard"}, {0x200, "kill"},
	{0x400, "expires"}, {0x800, "restrict"}, {0x1000, "enforcement"},
	{0x2000, "library-validation"}, {0x10000, "runtime"}, {0x20000, "linker-signed"},
}

// Flag bits cascade reports as facts of their own.
const (
	flagAdhoc   = 0x2
	flagRuntime = 0x10000
)

func flagList(f uint32) []string {
	var out []string
	for _, n := range flagNames {
		if f&n.bit != 0 {
			out = append(out, n.name)
			f &^= n.bit
		}
	}
	if f != 0 {
		out = append(out, fmt.Sprintf("%#x", f))
	}
	return out
}
