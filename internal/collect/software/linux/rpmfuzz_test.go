package linux

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// tinyHeader is a header blob with a name, version, release and epoch.
func tinyHeader() []byte {
	data := []byte("xz-libs\x005.6.0\x001.fc40\x00" + "\x00\x00\x00" + "\x00\x00\x00\x01")
	entries := [][4]uint32{
		{tagName, typeString, 0, 1},
		{tagVersion, typeString, 8, 1},
		{tagRelease, typeString, 14, 1},
		{tagEpoch, typeInt32, 24, 1},
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	for _, e := range entries {
		for _, v := range e {
			b = binary.BigEndian.AppendUint32(b, v)
		}
	}
	return append(b, data...)
}

// buildBDB writes blobs into a minimal little-endian Berkeley DB hash
// file: a metadata page, one hash page, and one overflow page per blob
// (blobs up to a page each) or an inline item when inline is set.
func buildBDB(blobs [][]byte, inline bool) []byte {
	const ps = 4096
	le := binary.LittleEndian
	meta := make([]byte, ps)
	le.PutUint32(meta[12:], bdbHashMagic)
	le.PutUint32(meta[20:], ps)
	meta[25] = bdbPageHashMeta
	hash := make([]byte, ps)
	hash[25] = bdbPageHash
	db := [][]byte{meta, hash}
	top := ps
	put := func(i int, item []byte) {
		top -= len(item)
		copy(hash[top:], item)
		le.PutUint16(hash[bdbPageHeader+2*i:], uint16(top))
	}
	for i, blob := range blobs {
		put(2*i, append([]byte{bdbItemKeyData}, le.AppendUint32(nil, uint32(i+1))...))
		if inline {
			put(2*i+1, append([]byte{bdbItemKeyData}, blob...))
			continue
		}
		item := make([]byte, bdbOffPageLength)
		item[0] = bdbItemOffPage
		le.PutUint32(item[4:], uint32(len(db)))
		le.PutUint32(item[8:], uint32(len(blob)))
		put(2*i+1, item)
		ov := make([]byte, ps)
		ov[25] = bdbPageOverflow
		le.PutUint16(ov[22:], uint16(len(blob)))
		copy(ov[bdbPageHeader:], blob)
		db = append(db, ov)
	}
	le.PutUint16(hash[20:], uint16(2*len(blobs)))
	le.PutUint32(meta[32:], uint32(len(db)-1))
	return bytes.Join(db, nil)
}

// readAll runs a reader over data and checks the bounds every result
// must keep, whatever the input.
func readAll(t *testing.T, data []byte, read func(*bytes.Reader, visitFunc, *problems) error) {
	var total int
	visit := func(_ string, blob []byte) {
		total += len(blob)
		if len(blob) > maxHeaderBlob {
			t.Fatalf("blob of %d bytes", len(blob))
		}
		if h, err := parseHeader(blob); err == nil && h.name == "" {
			t.Fatal("header without a name accepted")
		}
	}
	var probs problems
	_ = read(bytes.NewReader(data), visit, &probs)
	if total > len(data) {
		t.Fatalf("read %d blob bytes from a %d-byte file", total, len(data))
	}
}

func FuzzRPMHeader(f *testing.F) {
	f.Add(tinyHeader())
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := parseHeader(blob)
		if err == nil && (h.name == "" || len(h.name) > maxField) {
			t.Fatalf("accepted %+v", h)
		}
		if err == nil {
			_ = h.software()
		}
	})
}

func FuzzBerkeleyDB(f *testing.F) {
	f.Add(buildBDB([][]byte{tinyHeader(), tinyHeader()}, false))
	f.Add(buildBDB([][]byte{tinyHeader()}, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data, func(r *bytes.Reader, visit visitFunc, p *problems) error {
			return readBDB(r, int64(len(data)), visit, p)
		})
	})
}

func FuzzNDB(f *testing.F) {
	f.Add(buildNDB(f, [][]byte{tinyHeader(), tinyHeader()}))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data, func(r *bytes.Reader, visit visitFunc, p *problems) error {
			return readNDB(r, int64(len(data)), visit, p)
		})
	})
}

func TestSyntheticDatabases(t *testing.T) {
	for name, data := range map[string][]byte{
		"bdb overflow": buildBDB([][]byte{tinyHeader(), tinyHeader()}, false),
		"bdb inline":   buildBDB([][]byte{tinyHeader(), tinyHeader()}, true),
		"ndb":          buildNDB(t, [][]byte{tinyHeader(), tinyHeader()}),
	} {
		var got []string
		var probs problems
		visit := func(_ string, blob []byte) {
			h, err := parseHeader(blob)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, h.software().Version)
		}
		read := readBDB
		if name == "ndb" {
			read = readNDB
		}
		if err := read(bytes.NewReader(data), int64(len(data)), visit, &probs); err != nil || probs.count != 0 {
			t.Errorf("%s: %v %v", name, err, probs.err())
		}
		if len(got) != 2 || got[0] != "1:5.6.0-1.fc40" {
			t.Errorf("%s: versions %v", name, got)
		}
	}
}
