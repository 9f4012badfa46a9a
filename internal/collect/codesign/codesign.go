// Package codesign is the code-signing content collector: for every PE, MSI
// (OLE) and Mach-O file it records each signature as a forensic fact (who
// signed, when, over what, whether it still holds, nested signatures
// included), the file's product metadata (File.Meta), and the anomalies a
// cleanly signed file does not have (package anomaly). Chains are checked
// at the timestamp time against the configured roots only: no network, no
// OS trust store. With no roots configured, chains are reported as not
// verified, which is not a failure.
//
// Meta keys are the Meta* constants of packages peinfo ("pe.*"), msi
// ("msi.*") and macho ("macho.*"). Bundle seals need more than one file:
// SealCollector checks them as a collect.PathCollector.
package codesign

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/catalog"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Options configure a Collector. The zero value is usable: no roots, the
// default limits, the vendor policy on, the wall clock.
type Options struct {
	// Roots are the trust anchors signer and timestamp chains are checked
	// against. RootsFile, a PEM bundle, adds to them.
	Roots     []*x509.Certificate
	RootsFile string
	// MaxFileSize is the largest file parsed (default 512 MiB); it also caps
	// the headers and sections of a PE image held in memory for its version
	// resource. Digests stream.
	MaxFileSize int64
	// MaxNesting is the deepest nested Authenticode signature followed
	// (default 2); MaxSignatures caps the signatures of one file (16).
	MaxNesting    int
	MaxSignatures int
	// MaxSignatureBlob caps a Mach-O code signature read (default 64 MiB).
	MaxSignatureBlob int64
	// SkipVendorCheck turns off the vendor-mismatch policy.
	SkipVendorCheck bool
	// Now is the collection clock, for expired certificates without a
	// timestamp (default time.Now).
	Now func() time.Time
	// Catalogs, when set, are Windows catalogs (.cat) Inspect looks files
	// up in: a PE they list gets a "catalog" signature naming the catalog
	// and its signer. A collection finds a Windows source's own catalogs
	// (ForSource).
	Catalogs *catalog.Index
}

// Collector implements collect.ContentCollector. It is safe for concurrent
// use.
type Collector struct {
	roots   *cms.Roots
	opt     Options
	lim     authenticode.Limits
	version string // Version plus a fingerprint of the roots and policy
	// catalogDigests are the Authenticode digests recorded for unsigned PE
	// images (on Windows sources with catalogs, and Inspect with Catalogs).
	catalogDigests []crypto.Hash
}

var _ collect.ContentCollector = (*Collector)(nil)

// Version changes whenever the recorded facts change. 2: chains with SHA-1
// certificate signatures verify, with chain_weak. (Records that keep
// unsigned PE images' Authenticode digests for catalogs add
// "+catalog-digests" to the version: see ForSource.)
const Version = "2"

// New validates opts, loads RootsFile and returns a Collector.
func New(opts Options) (*Collector, error) {
	roots := append([]*x509.Certificate(nil), opts.Roots...)
	if opts.RootsFile != "" {
		more, err := LoadPEM(opts.RootsFile)
		if err != nil {
			return nil, err
		}
		roots = append(roots, more...)
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 512 << 20
	}
	if opts.MaxSignatureBlob <= 0 {
		opts.MaxSignatureBlob = 64 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Collector{roots: cms.NewRoots(roots), opt: opts, version: fingerprint(roots, opts),
		lim: authenticode.Limits{MaxNesting: opts.MaxNesting, MaxSignatures: opts.MaxSignatures}}
	if opts.Catalogs != nil {
		c = c.withCatalogDigests(opts.Catalogs.Hashes())
	}
	return c, nil
}

// fingerprint is the collector version with a digest of what else shapes
// its records: the trusted roots, the limits and the vendor policy.
func fingerprint(roots []*x509.Certificate, o Options) string {
	h := sha256.New()
	for _, r := range roots {
		h.Write(r.Raw)
	}
	fmt.Fprintf(h, "|%d|%d|%d|%d|%v", o.MaxFileSize, o.MaxNesting, o.MaxSignatures, o.MaxSignatureBlob, o.SkipVendorCheck)
	return Version + "+" + hex.EncodeToString(h.Sum(nil)[:6])
}

// LoadPEM reads every certificate of a PEM bundle.
func LoadPEM(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted roots: %w", err)
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("trusted roots %s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trusted roots %s: no certificates", path)
	}
	return out, nil
}

// Name implements collect.ContentCollector.
func (c *Collector) Name() string { return "codesign" }

// Version implements collect.ContentCollector.
// The trusted roots and the vendor policy are part of it: cached records
// whose chains were checked against other roots are collected again.
func (c *Collector) Version() string { return c.version }

// WantsContent reports whether f is a PE, OLE/MSI or Mach-O file.
func (c *Collector) WantsContent(f *snapshot.File) bool {
	switch f.Type {
	case snapshot.TypePE, snapshot.TypeOLE, snapshot.TypeMSI, snapshot.TypeMachO:
		return true
	}
	return false
}

// CollectContent reads f's signatures, metadata and anomalies from r into
// f. It fills what it can and returns an error naming what it could not
// read; a corrupt file is an error for that file, never a panic.
func (c *Collector) CollectContent(ctx context.Context, r io.ReaderAt, f *snapshot.File) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.Size > c.opt.MaxFileSize {
		return fmt.Errorf("%s: %d bytes, over the %d-byte code-signing limit", f.Path, f.Size, c.opt.MaxFileSize)
	}
	defer guard.Recover(&err, "code-signing parser", f.Path)
	var found found
	switch f.Type {
	case snapshot.TypePE:
		found, err = c.pe(r, f.Size)
	case snapshot.TypeOLE, snapshot.TypeMSI:
		found, err = c.msi(r, f.Size)
	case snapshot.TypeMachO:
		found, err = c.macho(r, f.Size)
	default:
		return nil
	}
	c.record(f, found)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

// found is what a format reader produced, chains checked.
type found struct {
	sigs      []snapshot.Signature
	anomalies []snapshot.Anomaly
	meta      map[string]string
}

// record merges found into f and adds the anomalies that follow from it.
func (c *Collector) record(f *snapshot.File, fd found) {
	if len(fd.meta) > 0 && f.Meta == nil {
		f.Meta = map[string]string{}
	}
	for k, v := range fd.meta {
		f.Meta[k] = v
	}
	f.Signatures = append(f.Signatures, fd.sigs...)
	f.Anomalies = append(f.Anomalies, fd.anomalies...)
	checkSignatures(f, c.opt.Now())
	if !c.opt.SkipVendorCheck {
		checkVendor(f)
	}
}

// LoadCatalogs indexes the Windows catalogs (*.cat) under dir in fsys,
// their signers' chains checked against opts' roots at opts' clock. Set the
// index as Options.Catalogs. display names a path of fsys as the scanned
// system does. Catalogs that cannot be read are returned as problems.
func LoadCatalogs(fsys fs.FS, dir string, display func(string) string, opts Options) (*catalog.Index, []catalog.Problem, error) {
	c, err := New(opts) // the roots and clock, as the collector will use them
	if err != nil {
		return nil, nil, err
	}
	x, probs := catalog.Load(fsys, dir, catalog.LoadOptions{Roots: c.roots, Now: c.opt.Now(), Display: display})
	return x, probs, nil
}
