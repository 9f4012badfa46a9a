package pftest

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// File describes a Prefetch file to write.
type File struct {
	Version    int // 17, 23, 26, 30 or 31
	Executable string
	Hash       uint32
	RunCount   uint32
	RunTimes   []time.Time // newest first; one is kept before version 26
	Files      []string
	Volumes    []Volume
	// Short is the Windows 10 variant of version 30 whose information
	// block is 8 bytes shorter (metrics at 0x128, run count at 0xC8).
	Short bool
}

// Volume is one volume entry.
type Volume struct {
	DevicePath string
	Serial     uint32
	Created    time.Time
}

// Where each version keeps its fields: the end of the file-information
// block, the run count, the first run time, and entry sizes.
type layout struct{ infoEnd, runCount, runTimes, times, metric, volume int }

var layouts = map[int]layout{
	17: {152, 144, 120, 1, 20, 40},
	23: {240, 152, 128, 1, 32, 104},
	26: {308, 208, 128, 8, 32, 104},
	30: {304, 208, 128, 8, 32, 96},
	31: {304, 208, 128, 8, 32, 96},
}

// Bytes returns the uncompressed Prefetch file.
func (f File) Bytes() []byte {
	l := layouts[f.Version]
	if f.Short && f.Version >= 30 {
		l.infoEnd, l.runCount = 296, 200
	}
	b := make([]byte, l.infoEnd)
	put32(b, 0, uint32(f.Version))
	copy(b[4:], "SCCA")
	put32(b, 8, 0x11)
	putUTF16(b[16:76], f.Executable)
	put32(b, 76, f.Hash)
	// Metrics array, then no trace chains, then the name strings.
	put32(b, 84, uint32(len(b)))
	put32(b, 88, uint32(len(f.Files)))
	metrics := len(b)
	b = append(b, make([]byte, l.metric*len(f.Files))...)
	put32(b, 92, uint32(len(b)))
	strs := len(b)
	for i, name := range f.Files {
		e := metrics + i*l.metric
		at := 8
		if f.Version >= 23 {
			at = 12
		}
		put32(b, e+at, uint32(len(b)-strs))
		u := utf16.Encode([]rune(name))
		put32(b, e+at+4, uint32(len(u)))
		b = appendUTF16(b, u)
	}
	put32(b, 100, uint32(strs))
	put32(b, 104, uint32(len(b)-strs))
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	b = f.appendVolumes(b, l)
	for i, t := range f.RunTimes {
		if i < l.times {
			put64(b, l.runTimes+8*i, filetime(t))
		}
	}
	put32(b, l.runCount, f.RunCount)
	put32(b, 12, uint32(len(b)))
	return b
}

func (f File) appendVolumes(b []byte, l layout) []byte {
	vol := len(b)
	put32(b, 108, uint32(vol))
	put32(b, 112, uint32(len(f.Volumes)))
	b = append(b, make([]byte, l.volume*len(f.Volumes))...)
	for i, v := range f.Volumes {
		e := vol + i*l.volume
		u := utf16.Encode([]rune(v.DevicePath))
		put32(b, e, uint32(len(b)-vol))
		put32(b, e+4, uint32(len(u)))
		put64(b, e+8, filetime(v.Created))
		put32(b, e+16, v.Serial)
		b = appendUTF16(b, u)
	}
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	put32(b, 116, uint32(len(b)-vol))
	return b
}

func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

func putUTF16(dst []byte, s string) {
	for i, c := range utf16.Encode([]rune(s)) {
		if 2*i+2 <= len(dst)-2 {
			binary.LittleEndian.PutUint16(dst[2*i:], c)
		}
	}
}

func appendUTF16(b []byte, u []uint16) []byte {
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

func filetime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano()/100) + 116444736000000000
}
