package linux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Bounds on one header blob, as rpm itself checks them (hdrchkTags,
// hdrchkData): under 64Ki index entries and 16 MiB of data.
const (
	maxHeaderTags = 0xffff
	maxHeaderData = 16 << 20
	maxHeaderBlob = 8 + 16*maxHeaderTags + maxHeaderData
)

// Header tags and types the inventory reads.
const (
	tagName        = 1000
	tagVersion     = 1001
	tagRelease     = 1002
	tagEpoch       = 1003
	tagInstallTime = 1008
	tagVendor      = 1011
	tagArch        = 1022
	tagSourceRPM   = 1044

	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

// rpmHeader is what one installed package's header says.
type rpmHeader struct {
	name, version, release, arch, vendor, sourceRPM string
	epoch, installTime                              int64
	hasEpoch, hasInstallTime                        bool
}

// parseHeader reads a header blob as rpm databases store it: index length
// and data length (big endian), the index entries, then the data. Only the
// tags above are read; every offset is checked against the data.
func parseHeader(blob []byte) (rpmHeader, error) {
	var h rpmHeader
	if len(blob) < 8 {
		return h, fmt.Errorf("header of %d bytes", len(blob))
	}
	il, dl := binary.BigEndian.Uint32(blob), binary.BigEndian.Uint32(blob[4:])
	if il == 0 || il > maxHeaderTags || dl > maxHeaderData {
		return h, fmt.Errorf("header claims %d tags and %d data bytes", il, dl)
	}
	start := 8 + 16*int(il)
	if start+int(dl) > len(blob) {
		return h, fmt.Errorf("header of %d bytes is shorter than its %d tags and %d data bytes", len(blob), il, dl)
	}
	data := blob[start : start+int(dl)]
	for i := 0; i < int(il); i++ {
		e := blob[8+16*i:]
		tag, typ := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:])
		off, count := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if err := h.set(tag, typ, off, count, data); err != nil {
			return h, fmt.Errorf("tag %d: %w", tag, err)
		}
	}
	if h.name == "" {
		return h, errors.New("header has no name")
	}
	return h, nil
}

// set stores one index entry if it is a wanted tag. Later entries replace
// earlier ones, as rpm's "dribble" entries replace the signed region's.
func (h *rpmHeader) set(tag, typ, off, count uint32, data []byte) error {
	var dst *string
	switch tag {
	case tagName:
		dst = &h.name
	case tagVersion:
		dst = &h.version
	case tagRelease:
		dst = &h.release
	case tagArch:
		dst = &h.arch
	case tagVendor:
		dst = &h.vendor
	case tagSourceRPM:
		dst = &h.sourceRPM
	case tagEpoch, tagInstallTime:
		v, err := headerInt32(typ, off, count, data)
		if tag == tagEpoch {
			h.epoch, h.hasEpoch = v, err == nil
		} else {
			h.installTime, h.hasInstallTime = v, err == nil
		}
		return err
	default:
		return nil
	}
	s, err := headerString(typ, off, count, data)
	*dst = clip(s)
	return err
}

func headerString(typ, off, count uint32, data []byte) (string, error) {
	if typ != typeString && typ != typeStringArray && typ != typeI18NString || count == 0 {
		return "", fmt.Errorf("type %d count %d is not a string", typ, count)
	}
	if off >= uint32(len(data)) {
		return "", fmt.Errorf("offset %d past %d data bytes", off, len(data))
	}
	end := bytes.IndexByte(data[off:], 0)
	if end < 0 {
		return "", fmt.Errorf("string at %d has no end", off)
	}
	return string(data[off : off+uint32(end)]), nil
}

func headerInt32(typ, off, count uint32, data []byte) (int64, error) {
	if typ != typeInt32 || count == 0 {
		return 0, fmt.Errorf("type %d count %d is not an int32", typ, count)
	}
	if uint64(off)+4 > uint64(len(data)) {
		return 0, fmt.Errorf("offset %d past %d data bytes", off, len(data))
	}
	return int64(binary.BigEndian.Uint32(data[off:])), nil
}

// software turns the header into an inventory record.
func (h rpmHeader) software() snapshot.Software {
	version := h.version
	if h.release != "" {
		version += "-" + h.release
	}
	if h.hasEpoch {
		version = strconv.FormatInt(h.epoch, 10) + ":" + version
	}
	sw := snapshot.Software{
		Name:          h.name,
		Identifier:    h.name,
		Version:       version,
		Arch:          h.arch,
		Vendor:        h.vendor,
		SourcePackage: sourceName(h.sourceRPM),
		Ecosystem:     EcosystemRPM,
	}
	if h.hasInstallTime && h.installTime > 0 {
		t := time.Unix(h.installTime, 0).UTC()
		sw.InstallDate, sw.InstallDateFrom = &t, "rpm INSTALLTIME"
	}
	return sw
}

// sourceName is the package name in a source rpm's file name,
// "xz-5.6.0-1.fc40.src.rpm" → "xz".
func sourceName(srpm string) string {
	base, ok := strings.CutSuffix(srpm, ".src.rpm")
	if !ok {
		base, ok = strings.CutSuffix(srpm, ".nosrc.rpm")
	}
	if !ok {
		return ""
	}
	for i := 0; i < 2; i++ {
		dash := strings.LastIndexByte(base, '-')
		if dash <= 0 {
			return ""
		}
		base = base[:dash]
	}
	return base
}
