package clr

import (
	"bytes"
	"fmt"
)

const (
	cliHeaderSize   = 72 // IMAGE_COR20_HEADER
	metadataSize    = 16 // the metadata root up to its version string
	metadataMagic   = 0x424a5342
	streamNameSize  = 32 // yara reads a stream name within 32 bytes
	streamHeaderLen = 8
)

// streams are the heaps the tables refer to: the file offset of each
// header (-1: absent).
type streams struct{ tilde, guid, strings, blob, us int64 }

// Parse reads the CLI metadata of im. It returns a Metadata with
// IsDotNet false when the image has no valid CLI header and metadata
// root; otherwise whatever it could read, with an *Error (or several,
// joined) for what it could not.
func Parse(im *Image) (*Metadata, error) {
	if im == nil {
		return &Metadata{}, nil
	}
	m := img{Image: im, d: im.Data}
	md := &Metadata{}
	cli, root, ok := m.locate()
	if !ok {
		return md, nil
	}
	md.IsDotNet = true
	vlen := int64(m.u32(root + 12))
	if i := bytes.IndexByte(m.d[root+metadataSize:root+metadataSize+vlen], 0); i >= 0 {
		md.Version = strp(string(m.d[root+metadataSize : root+metadataSize+int64(i)]))
	}
	off := root + metadataSize + vlen + 2 // past the version and the flags
	if !m.fits(off, 2) {
		return md, errAt(off, "metadata root", "stream count past the end of the file")
	}
	// yara reads the stream count's low byte only.
	st := m.streamHeaders(md, off+2, root, int(m.u8(off)))
	var errs errList
	if st.guid >= 0 {
		m.guids(md, root, st.guid)
	}
	if st.tilde >= 0 && st.strings >= 0 && st.blob >= 0 {
		errs.add(m.tables(md, root, cli, st))
	}
	if st.us >= 0 {
		errs.add(m.userStrings(md, root, st.us))
	}
	return md, errs.err()
}

// locate is yara's dotnet_is_dotnet: the CLI header (its Size must be
// 72) and a metadata root with its magic and a version length of 1 to
// 255, a multiple of 4; a PE32 executable's entry point must also be an
// indirect jump (FF 25), a PE32+ image must declare 14 data directories.
func (m img) locate() (cli, root int64, ok bool) {
	if m.Is64 && m.NumberOfRvaAndSizes < 14 || !m.fits(m.COMDirectory, 8) {
		return 0, 0, false
	}
	cli = m.RVAToOffset(m.u32(m.COMDirectory))
	if !m.fits(cli, cliHeaderSize) || m.u32(cli) != cliHeaderSize {
		return 0, 0, false
	}
	root = m.RVAToOffset(m.u32(cli + 8))
	if !m.fits(root, metadataSize) || m.u32(root) != metadataMagic {
		return 0, 0, false
	}
	n := int64(m.u32(root + 12))
	if n == 0 || n > 255 || n%4 != 0 || !m.fits(root+metadataSize, n) {
		return 0, 0, false
	}
	if !m.Is64 && !m.IsDLL {
		ep := m.RVAToOffset(m.EntryPoint)
		if !m.fits(ep, 2) || m.d[ep] != 0xff || m.d[ep+1] != 0x25 {
			return 0, 0, false
		}
	}
	return cli, root, true
}

// streamHeaders reads n stream headers at off, recording each and the
// heaps the tables need (the first #~ or #-, #Strings and #US; the last
// #GUID and #Blob, as yara does).
func (m img) streamHeaders(md *Metadata, off, root int64, n int) streams {
	st := streams{-1, -1, -1, -1, -1}
	md.HasStreams = true
	for i := 0; i < n; i++ {
		if !m.fits(off, streamHeaderLen) || !m.fits(off+streamHeaderLen, streamNameSize) {
			break
		}
		raw := m.d[off+streamHeaderLen : off+streamHeaderLen+streamNameSize]
		end := bytes.IndexByte(raw, 0)
		if end < 0 {
			break
		}
		name := string(raw[:end])
		md.Streams = append(md.Streams, Stream{Name: name, Offset: root + int64(m.u32(off)), Size: m.u32(off + 4)})
		has := func(p string) bool { return len(name) >= len(p) && name[:len(p)] == p }
		switch {
		case (has("#~") || has("#-")) && st.tilde < 0:
			st.tilde = off
		case has("#GUID"):
			st.guid = off
		case has("#Strings") && st.strings < 0:
			st.strings = off
		case has("#Blob"):
			st.blob = off
		case has("#US") && st.us < 0:
			st.us = off
		}
		off += streamHeaderLen + int64(len(name)) + 4 - int64(len(name)%4)
	}
	return st
}

// maxGUIDs is yara's cap: 256 bytes of the #GUID heap.
const maxGUIDs = 16

func (m img) guids(md *Metadata, root, hdr int64) {
	md.HasGUIDs = true
	off := root + int64(m.u32(hdr))
	size := min(m.u32(hdr+4), 16*maxGUIDs)
	for ; size >= 16 && m.fits(off, 16); size, off = size-16, off+16 {
		b := m.d[off : off+16]
		md.GUIDs = append(md.GUIDs, fmt.Sprintf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			m.u32(off), m.u16(off+4), m.u16(off+6), b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
	}
}

// maxUserStrings bounds the #US entries kept from one file (yara has no
// bound); the rest are reported.
const maxUserStrings = 1 << 20

// userStrings reads the #US heap: UTF-16LE strings, kept as their bytes
// without the final flag byte, empty ones skipped.
func (m img) userStrings(md *Metadata, root, hdr int64) error {
	size := int64(m.u32(hdr + 4))
	off := root + int64(m.u32(hdr))
	if size == 0 {
		return nil
	}
	if !m.fits(off, size) {
		return errAt(hdr, "#US stream header", "heap of %d bytes at %#x is not inside the file", size, off)
	}
	if m.d[off] != 0 {
		return errAt(off, "#US heap", "first byte is %#x, not 0", m.d[off])
	}
	md.HasUserStrings = true
	end := off + size
	for off++; off < end; {
		n, length := m.blobAt(off)
		if n == 0 {
			break
		}
		off += n
		if length > 0 && m.fits(off, int64(length)) {
			if len(md.UserStrings) == maxUserStrings {
				return errAt(off, "#US heap", "more than %d strings: the rest were skipped", maxUserStrings)
			}
			md.UserStrings = append(md.UserStrings, string(m.d[off:off+int64(length)]))
			off += int64(length)
		}
	}
	return nil
}

// errList joins a walk's errors.
type errList struct{ errs []error }

func (l *errList) add(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

func (l *errList) err() error {
	switch len(l.errs) {
	case 0:
		return nil
	case 1:
		return l.errs[0]
	}
	return fmt.Errorf("%w (and %d more)", l.errs[0], len(l.errs)-1)
}
