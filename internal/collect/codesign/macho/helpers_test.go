package macho

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

// tinyMachO is a thin arm64 executable: a header page with __TEXT and
// __LINKEDIT segments and two pages of "code".
func tinyMachO() []byte {
	b := make([]byte, 3*4096)
	le := binary.LittleEndian
	le.PutUint32(b, 0xfeedfacf)
	le.PutUint32(b[4:], 0x0100000c)
	le.PutUint32(b[12:], 2)
	le.PutUint32(b[16:], 2)
	le.PutUint32(b[20:], 144)
	seg := func(off int, name string, vmaddr, fileoff, filesize uint64) {
		le.PutUint32(b[off:], lcSegment64)
		le.PutUint32(b[off+4:], 72)
		copy(b[off+8:], name)
		le.PutUint64(b[off+24:], vmaddr)
		le.PutUint64(b[off+32:], 0x4000)
		le.PutUint64(b[off+40:], fileoff)
		le.PutUint64(b[off+48:], filesize)
	}
	seg(32, "__TEXT", 0x100000000, 0, 0x2000)
	seg(104, "__LINKEDIT", 0x100002000, 0x2000, 0x1000)
	for i := 4096; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

type signer struct {
	root, leaf testkit.Cert
}

func newSigner(t testing.TB, nb, na time.Time) signer {
	root := testkit.CA(t, "Apple Test Root")
	leaf := testkit.Leaf(t, root, pkix.Name{CommonName: "Developer ID Application: 3CX (33CF4654HL)",
		OrganizationalUnit: []string{"33CF4654HL"}, Organization: []string{"3CX Ltd"}}, nb, na, 0x3c)
	return signer{root, leaf}
}

var (
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2040 = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (s signer) sign(t testing.TB, b []byte, mod func(*machosign.Options)) []byte {
	t.Helper()
	o := machosign.Options{ID: "com.3cx.desktop", Team: "33CF4654HL", Runtime: true,
		Cert: s.leaf.Cert, Key: s.leaf.Key, Chain: []*x509.Certificate{s.root.Cert}}
	if mod != nil {
		mod(&o)
	}
	out, err := machosign.Sign(b, o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readBytes(t testing.TB, b []byte) (*Result, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)), 64<<20)
}

func kinds(r *Result) []string {
	var out []string
	for _, a := range r.Anomalies {
		out = append(out, a.Kind)
	}
	return out
}

// fstestDir is the fixtures' macho directory as an FS.
func fstestDir(t *testing.T) fs.FS {
	return os.DirFS(testkit.Path(t, "macho"))
}
