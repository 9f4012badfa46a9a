//go:build linux || darwin

package collect

import (
	"crypto/sha256"
	"errors"
	"hash"
	"os"
	"path/filepath"
	"testing"
)

func TestHashMappedFaultIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Claiming more bytes than the file has maps pages past its end, which
	// fault exactly as a file truncated during hashing does.
	mapped, err := hashMapped(osFile{f}, 1<<20, []hash.Hash{sha256.New()})
	if !mapped || !errors.Is(err, errChangedWhileMapped) {
		t.Fatalf("mapped %v, err %v; want the fault reported as errChangedWhileMapped", mapped, err)
	}
}

func TestHashMappedMatchesRead(t *testing.T) {
	data := make([]byte, mmapWindow*2+mmapMin*3+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, data, 0o644)
	f, _ := os.Open(p)
	defer f.Close()
	h := sha256.New()
	if mapped, err := hashMapped(osFile{f}, int64(len(data)), []hash.Hash{h}); !mapped || err != nil {
		t.Fatalf("mapped %v err %v", mapped, err)
	}
	want := sha256.Sum256(data)
	if string(h.Sum(nil)) != string(want[:]) {
		t.Error("mapped digest differs from the digest of the bytes")
	}
}
