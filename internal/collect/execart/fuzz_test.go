package execart

import (
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
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

func FuzzParseShimcache(f *testing.F) {
	win10 := append(append([]byte{0x34}, make([]byte, 0x33)...), []byte("10ts\x00\x00\x00\x00\x10\x00\x00\x00\x04\x00C\x00:\x00\x00\x00\x00\x00\x00\x00\x00\x00")...)
	f.Add(win10)
	f.Add(append([]byte{0xee, 0x0f, 0xdc, 0xba, 1, 0, 0, 0}, make([]byte, 200)...))
	f.Add(append(append([]byte{0x80}, make([]byte, 127)...), []byte("00ts\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00")...))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, _ := ParseShimcache(b)
		if len(entries) > maxShimEntries {
			t.Fatalf("%d entries", len(entries))
		}
	})
}

func FuzzParseUserAssist(f *testing.F) {
	f.Add("P:\\Jvaqbjf\\abgrcnq.rkr", make([]byte, 72))
	f.Add("{6Q809377-6NS0-444O-8957-N3773S02200R}\\k.rkr", make([]byte, 16))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		e, err := ParseUserAssist(name, b)
		if err == nil && e.RunCount < 0 {
			t.Fatalf("negative run count %d", e.RunCount)
		}
	})
}

// FuzzRegistryHives runs the Amcache, SYSTEM, UserAssist and ProfileList walkers over
// arbitrary hive bytes (seeded with the empty hive template).
func FuzzRegistryHives(f *testing.F) {
	if b, err := os.ReadFile("../software/windows/testdata/minimal.hive"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		add := func(snapshot.Artifact) {}
		windows.ParseHive(b, func(root *windows.Key) error {
			Amcache(root, "a", add)
			System(root, "s", add)
			UserAssist(root, "u", "n", add)
			ProfileNames(root)
			return nil
		})
	})
}
