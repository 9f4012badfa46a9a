package execart

import (
	"testing"
)

func FuzzParsePrefetch(f *testing.F) {
	f.Add([]byte("\x1e\x00\x00\x00SCCA"))
	f.Add(msxcaABC(300))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _ := Parse(b)
		if p != nil && len(p.Files) > MaxFiles {
			t.Fatalf("%d file names kept", len(p.Files))
		}
	})
}

func FuzzDecompressHuffman(f *testing.F) {
	f.Add(msxcaAlphabet(), 26)
	f.Add(msxcaABC(300), 300)
	f.Fuzz(func(t *testing.T, b []byte, size int) {
		out, err := DecompressHuffman(b, size%(1<<20))
		if err == nil && len(out) != size%(1<<20) {
			t.Fatalf("decoded %d bytes, want %d", len(out), size)
		}
	})
}
