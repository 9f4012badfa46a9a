package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Simulated fleet: 70% of a host's files are the same file on every host
// (an OS image), 30% are its own; software comes from a pool of products.

func digestOf(parts ...int) string {
	var b [8 * 4]byte
	for i, p := range parts {
		binary.LittleEndian.PutUint64(b[i*8:], uint64(p))
	}
	sum := sha256.Sum256(b[:len(parts)*8])
	return hex.EncodeToString(sum[:])
}

// fileAt is host h's file j in generation g (a changed file is a new
// generation of it).
func fileAt(h, j, g int) snapshot.File {
	shared := j%10 < 7 // 70%: the same file on every host
	f := snapshot.File{Size: int64(4096 + j%50000), Type: snapshot.TypePE,
		ModTime: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(j) * time.Second)}
	if shared && g == 0 {
		f.Path = fmt.Sprintf(`C:\Windows\WinSxS\amd64_component_%05d\lib%05d.dll`, j/40, j)
		f.SHA256 = digestOf(1, j)
	} else {
		f.Path = fmt.Sprintf(`C:\Program Files\Vendor%03d\App%03d\module%05d.dll`, j%97, j%311, j)
		f.SHA256 = digestOf(2, h, j, g)
	}
	return f
}

// productVersion is the one version of product p the fleet runs.
func productVersion(p int) string { return fmt.Sprintf("%d.%d.%d", p%9+1, p%5, p%17) }

func softwareAt(h, k int) snapshot.Software {
	p := (h*7 + k*13) % 500
	return snapshot.Software{Name: fmt.Sprintf("Product %03d", p), Vendor: fmt.Sprintf("Vendor %02d", p%40),
		Version: productVersion(p), Platform: "windows", Ecosystem: "windows",
		Source: fmt.Sprintf(`registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{P%03d}`, p)}
}

func hostUID(h int) string { return fmt.Sprintf("bench-host-%05d", h) }

// fullSnapshot is host h's complete inventory at time at, with files whose
// index is in changed at generation gen.
func fullSnapshot(h, files, software int, at time.Time, gen map[int]int) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: hostUID(h), Name: hostUID(h), OS: "windows",
		OSVersion: "10.0.19045", Source: "live", CollectedAt: at, Collector: "cascade/bench"}}
	s.Files = make([]snapshot.File, files)
	for j := range files {
		s.Files[j] = fileAt(h, j, gen[j])
	}
	s.Software = make([]snapshot.Software, software)
	for k := range software {
		s.Software[k] = softwareAt(h, k)
	}
	return s
}
