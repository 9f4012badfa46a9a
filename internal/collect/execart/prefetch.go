package execart

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// Caps on what one Prefetch file may make us decode. Real files list a few
// hundred referenced files and one to a few volumes.
const (
	MaxFileSize = 8 << 20 // a Prefetch file larger than this is skipped
	MaxFiles    = 64      // referenced file names kept per record
	maxMetrics  = 1 << 16 // metrics entries walked
	maxVolumes  = 64
	maxRunTimes = 8
	headerSize  = 84
)

// Prefetch is what one Prefetch file says about its program.
type Prefetch struct {
	Version    int
	Executable string // as Windows recorded it, upper case, at most 29 characters
	Hash       uint32
	RunCount   int
	// RunTimes are the last run times, newest first (one before Windows 8).
	RunTimes []time.Time
	Volumes  []Volume
	// Files are the first MaxFiles referenced file names; FilesTotal counts them all.
	Files      []string
	FilesTotal int
}

// Volume is one volume the program's files were loaded from.
type Volume struct {
	DevicePath string
	Serial     uint32
	Created    time.Time
}

// layout is where one format version keeps its fields.
type layout struct {
	runCount, runTimes, metricSize, volumeSize int
	times                                      int
}

var layouts = map[int]layout{
	17: {runCount: 144, runTimes: 120, times: 1, metricSize: 20, volumeSize: 40},
	23: {runCount: 152, runTimes: 128, times: 1, metricSize: 32, volumeSize: 104},
	26: {runCount: 208, runTimes: 128, times: 8, metricSize: 32, volumeSize: 104},
	30: {runCount: 208, runTimes: 128, times: 8, metricSize: 32, volumeSize: 96},
	31: {runCount: 208, runTimes: 128, times: 8, metricSize: 32, volumeSize: 96},
}

// Parse reads a Prefetch file, compressed ("MAM\x04") or not.
func Parse(b []byte) (*Prefetch, error) {
	if IsCompressed(b) {
		var err error
		if b, err = Decompress(b); err != nil {
			return nil, fmt.Errorf("decompress: %w", err)
		}
	}
	if len(b) < headerSize || string(b[4:8]) != "SCCA" {
		return nil, fmt.Errorf("header: no SCCA signature in %d bytes", len(b))
	}
	p := &Prefetch{Version: int(le32(b, 0)), Hash: le32(b, 76)}
	l, ok := layouts[p.Version]
	if !ok {
		return nil, fmt.Errorf("header: unknown format version %d", p.Version)
	}
	p.Executable = utf16z(b[16:76])
	if len(b) < 88 {
		return nil, fmt.Errorf("file information: truncated at %d bytes", len(b))
	}
	if p.Version >= 30 && le32(b, 84) == 0x128 {
		l.runCount = 200 // Windows 10 variant with a shorter information block
	}
	if len(b) < l.runCount+4 {
		return nil, fmt.Errorf("file information: truncated at %d bytes (version %d needs %d)", len(b), p.Version, l.runCount+4)
	}
	p.RunCount = int(le32(b, l.runCount))
	for i := range l.times {
		if t := filetime(le64(b, l.runTimes+8*i)); !t.IsZero() {
			p.RunTimes = append(p.RunTimes, t)
		}
	}
	if err := p.readFiles(b, l); err != nil {
		return p, fmt.Errorf("file names: %w", err)
	}
	if err := p.readVolumes(b, l); err != nil {
		return p, fmt.Errorf("volumes: %w", err)
	}
	return p, nil
}

// readFiles reads the referenced file names through the metrics array.
func (p *Prefetch) readFiles(b []byte, l layout) error {
	mOff, mCount := int64(le32(b, 84)), int64(le32(b, 88))
	sOff, sSize := int64(le32(b, 100)), int64(le32(b, 104))
	if mCount > maxMetrics {
		return fmt.Errorf("%d metrics entries, over the cap of %d", mCount, maxMetrics)
	}
	if mOff+mCount*int64(l.metricSize) > int64(len(b)) || sOff+sSize > int64(len(b)) {
		return fmt.Errorf("metrics (%d entries at %d) or strings (%d bytes at %d) outside the %d-byte file",
			mCount, mOff, sSize, sOff, len(b))
	}
	strs := b[sOff : sOff+sSize]
	nameAt := 8 // filename offset within a metrics entry (12 from version 23)
	if p.Version >= 23 {
		nameAt = 12
	}
	p.FilesTotal = int(mCount)
	for i := range mCount {
		e := mOff + i*int64(l.metricSize)
		off, n := int64(le32(b, int(e)+nameAt)), int64(le32(b, int(e)+nameAt+4))
		if len(p.Files) >= MaxFiles {
			continue
		}
		if off+2*n > int64(len(strs)) {
			return fmt.Errorf("metrics entry %d: name (%d characters at %d) outside the %d-byte string table", i, n, off, len(strs))
		}
		p.Files = append(p.Files, utf16z(strs[off:off+2*n]))
	}
	return nil
}

// readVolumes reads each volume's device path, serial number and creation time.
func (p *Prefetch) readVolumes(b []byte, l layout) error {
	vOff, vCount := int64(le32(b, 108)), int64(le32(b, 112))
	if vCount > maxVolumes {
		return fmt.Errorf("%d volumes, over the cap of %d", vCount, maxVolumes)
	}
	if vOff+vCount*int64(l.volumeSize) > int64(len(b)) {
		return fmt.Errorf("%d volume entries at %d outside the %d-byte file", vCount, vOff, len(b))
	}
	for i := range vCount {
		e := vOff + i*int64(l.volumeSize)
		off, n := vOff+int64(le32(b, int(e))), int64(le32(b, int(e)+4))
		if off+2*n > int64(len(b)) {
			return fmt.Errorf("volume %d: device path (%d characters at %d) outside the file", i, n, off)
		}
		p.Volumes = append(p.Volumes, Volume{DevicePath: utf16z(b[off : off+2*n]),
			Created: filetime(le64(b, int(e)+8)), Serial: le32(b, int(e)+16)})
	}
	return nil
}

func le32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
func le64(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

// utf16z decodes UTF-16LE up to the first NUL. ASCII, which nearly all
// Prefetch paths are, is converted without going through runes.
func utf16z(b []byte) string {
	n := 0
	ascii := true
	for ; n+1 < len(b); n += 2 {
		lo, hi := b[n], b[n+1]
		if lo == 0 && hi == 0 {
			break
		}
		ascii = ascii && hi == 0 && lo < 0x80
	}
	if ascii {
		out := make([]byte, n/2)
		for i := range out {
			out[i] = b[2*i]
		}
		return string(out)
	}
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD")
}

// filetime converts a Windows FILETIME (100 ns since 1601) to UTC; zero
// and implausible values (before 1980, after 2200) give the zero time.
func filetime(ft uint64) time.Time {
	const epochDiff = 116444736000000000
	if ft < epochDiff {
		return time.Time{}
	}
	t := time.Unix(int64((ft-epochDiff)/10000000), int64((ft-epochDiff)%10000000)*100).UTC()
	if t.Year() < 1980 || t.Year() >= 2200 {
		return time.Time{}
	}
	return t
}
