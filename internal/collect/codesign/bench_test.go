package codesign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/pegen"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// BenchmarkCollectPE measures signature records for signed PE files: open,
// read, parse, verify (signature, timestamp, chain at the timestamp time),
// version resources, anomaly checks. With CASCADE_BENCH_CORPUS set to the
// output of testdata/fixtures/bench-corpus.sh it walks that corpus (one
// file per iteration: use -benchtime 10000x for 10 000 files); without it,
// a small in-process corpus. It reports ms/file.
func BenchmarkCollectPE(b *testing.B) {
	files, roots := benchCorpus(b)
	c, err := New(Options{Roots: roots})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := collectFile(ctx, c, files[i%len(files)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/file")
}

func collectFile(ctx context.Context, c *Collector, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rec := &snapshot.File{Path: path, Size: st.Size(), Type: snapshot.TypePE}
	if err := c.CollectContent(ctx, f, rec); err != nil {
		return err
	}
	if len(rec.Signatures) == 0 || rec.Signatures[0].DigestMatch == nil || !*rec.Signatures[0].DigestMatch {
		return fmt.Errorf("%s: no signature checked: %+v", path, rec.Signatures)
	}
	return nil
}

func benchCorpus(b *testing.B) ([]string, []*x509.Certificate) {
	if dir := os.Getenv("CASCADE_BENCH_CORPUS"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "signed", "*.exe"))
		roots, err := LoadPEM(filepath.Join(dir, "pki", "root.pem"))
		if err != nil || len(files) == 0 {
			b.Fatalf("corpus %s: %d files, %v", dir, len(files), err)
		}
		return files, roots
	}
	dir := b.TempDir()
	root := testkit.CA(b, "Bench Root")
	signer := testkit.Leaf(b, root, pkix.Name{CommonName: "3CX Ltd", Organization: []string{"3CX Ltd"}},
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	var files []string
	for i := 0; i < 64; i++ {
		img := pegen.Build(pegen.Spec{CodeSize: 8 << 10 << (i % 8), Seed: uint64(i), CompileTime: 1600000000,
			Strings: [][2]string{{"CompanyName", "3CX Ltd"}, {"ProductName", "3CX Desktop App"}}})
		name := filepath.Join(dir, filepath.Base(b.Name())+string(rune('a'+i%26))+string(rune('a'+i/26))+".exe")
		if err := os.WriteFile(name, signInProcess(b, img, signer), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, name)
	}
	return files, []*x509.Certificate{root.Cert}
}

// signInProcess appends one WIN_CERTIFICATE signing img's Authenticode
// digest, computed here independently of peinfo: every byte but the
// CheckSum and the security directory entry.
func signInProcess(b testing.TB, img []byte, signer testkit.Cert) []byte {
	pe := int(binary.LittleEndian.Uint32(img[0x3c:]))
	sum, dir := pe+24+64, pe+24+112+32
	h := crypto.SHA256.New()
	h.Write(img[:sum])
	h.Write(img[sum+4 : dir])
	h.Write(img[dir+8:])
	blob := testkit.Marshal(b, testkit.Authenticode(b, signer, nil, h.Sum(nil), "bench"))
	off := len(img)
	var cert bytes.Buffer
	binary.Write(&cert, binary.LittleEndian, []uint32{uint32(8 + len(blob)), 0x00020200})
	cert.Write(blob)
	for cert.Len()%8 != 0 {
		cert.WriteByte(0)
	}
	out, err := pegen.SetSecurityDirectory(append(img, cert.Bytes()...), off, cert.Len())
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkCollectUnsignedPE measures records for PE files without an
// embedded signature: plain, and keeping their Authenticode SHA-1 and
// SHA-256 image digests for catalog look-ups (one extra pass over each
// image, on Windows sources with catalogs). With CASCADE_BENCH_UNSIGNED set
// to a directory of *.exe it walks those files; without it, 64 in-process
// images of 8 KiB to 1 MiB. It reports ms/file and MB/s.
func BenchmarkCollectUnsignedPE(b *testing.B) {
	var files []string
	if dir := os.Getenv("CASCADE_BENCH_UNSIGNED"); dir != "" {
		files, _ = filepath.Glob(filepath.Join(dir, "*.exe"))
	} else {
		dir := b.TempDir()
		for i := 0; i < 64; i++ {
			img := pegen.Build(pegen.Spec{CodeSize: 8 << 10 << (i % 8), Seed: uint64(i), CompileTime: 1600000000})
			name := filepath.Join(dir, fmt.Sprintf("u%02d.exe", i))
			if err := os.WriteFile(name, img, 0o644); err != nil {
				b.Fatal(err)
			}
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		b.Fatal("no files")
	}
	plain, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	both := []crypto.Hash{crypto.SHA1, crypto.SHA256}
	for _, c := range []*Collector{plain, plain.withCatalogDigests(both[1:]), plain.withCatalogDigests(both)} {
		name := "plain"
		if len(c.catalogDigests) > 0 {
			name = "catalog-digests-" + strings.TrimPrefix(c.version[strings.Index(c.version, "catalog-digests:"):], "catalog-digests:")
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var bytes int64
			start := time.Now()
			for i := 0; i < b.N; i++ {
				name := files[i%len(files)]
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				st, _ := f.Stat()
				rec := snapshot.File{Path: name, Size: st.Size(), Type: snapshot.TypePE}
				if err := c.CollectContent(ctx, f, &rec); err != nil {
					b.Fatal(err)
				}
				f.Close()
				bytes += st.Size()
				if len(c.catalogDigests) > 0 && rec.Meta[peinfo.MetaAuthentihashSHA256] == "" {
					b.Fatalf("%s: no image digest recorded", name)
				}
			}
			secs := time.Since(start).Seconds()
			b.ReportMetric(secs*1000/float64(b.N), "ms/file")
			b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
		})
	}
}
