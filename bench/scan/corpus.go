package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

type hit struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// kinds of generated files: a magic prefix and a file extension, by weight.
var kinds = []struct {
	ext    string
	magic  string
	weight int
}{
	{".exe", "MZ\x90\x00\x03\x00\x00\x00", 15},
	{".dll", "MZ\x90\x00\x03\x00\x00\x00", 10},
	{"", "\x7fELF\x02\x01\x01\x00", 10},
	{".dylib", "\xcf\xfa\xed\xfe\x0c\x00\x00\x01", 5},
	{".zip", "PK\x03\x04\x14\x00\x00\x00", 5},
	{".sh", "#!/bin/sh\n", 5},
	{".msi", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 5},
	{".txt", "", 25},
	{".dat", "", 20},
}

type manifest struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	Hits  []hit `json:"hits"`
}

// buildCorpus generates (or reuses) a deterministic corpus: many small
// files of mixed types and a hundred large ones, in nested directories.
// It returns ten files whose digests the benchmark intel carries.
func buildCorpus(dir string, files int, total int64) ([]hit, error) {
	mf := filepath.Join(dir, ".manifest.json")
	if b, err := os.ReadFile(mf); err == nil {
		var m manifest
		if json.Unmarshal(b, &m) == nil && m.Files == files && m.Bytes == total {
			return m.Hits, nil
		}
	}
	os.RemoveAll(dir)
	fmt.Printf("building corpus: %d files, ~%.1f GB in %s\n", files, float64(total)/1e9, dir)
	r := rand.New(rand.NewPCG(1, 2))
	sizes := make([]int64, files)
	var sum int64
	for i := range sizes {
		if i%(files/100) == 0 { // a hundred large files, 5–20 MB
			sizes[i] = 5<<20 + r.Int64N(15<<20)
		} else { // log-uniform 512 B – 256 KB
			sizes[i] = int64(math.Exp(math.Log(512) + r.Float64()*(math.Log(256<<10)-math.Log(512))))
		}
		sum += sizes[i]
	}
	scale := float64(total) / float64(sum)
	rng := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	var m manifest
	m.Files, m.Bytes = files, total
	weights := 0
	for _, k := range kinds {
		weights += k.weight
	}
	for i, s := range sizes {
		size := max(int64(float64(s)*scale), 16)
		k := pickKind(r.IntN(weights))
		// About 20 files per directory, three levels deep, like an install tree.
		d := i / 20
		rel := filepath.Join(fmt.Sprintf("d%02d", d%40), fmt.Sprintf("s%02d", (d/40)%30), fmt.Sprintf("f%05d%s", i, kinds[k].ext))
		sha, err := writeFile(filepath.Join(dir, rel), kinds[k].magic, size, rng, buf)
		if err != nil {
			return nil, err
		}
		if i%(files/10) == 7 && len(m.Hits) < 10 {
			m.Hits = append(m.Hits, hit{Path: rel, Size: size, SHA256: sha})
		}
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(mf, b, 0o644); err != nil {
		return nil, err
	}
	return m.Hits, nil
}

func pickKind(n int) int {
	for i, k := range kinds {
		if n < k.weight {
			return i
		}
		n -= k.weight
	}
	return len(kinds) - 1
}

func writeFile(name, magic string, size int64, rng *rand.ChaCha8, buf []byte) (string, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	h := sha256.New()
	head := []byte(magic)[:min(int64(len(magic)), size)]
	w.Write(head)
	h.Write(head)
	left := size - int64(len(head))
	for left > 0 {
		n := min(left, int64(len(buf)))
		rng.Read(buf[:n])
		w.Write(buf[:n])
		h.Write(buf[:n])
		left -= n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}
