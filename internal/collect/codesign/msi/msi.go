// Package msi reads a Windows Installer package's code-signing record: the
// Authenticode signature in its DigitalSignature stream, checked against the
// digest of the compound file (with the MsiDigitalSignatureEx metadata
// pre-hash when present), and the product facts from its Property table and
// summary information, so an installer is recognised by content whatever
// its file name.
package msi

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Meta keys msi records in snapshot.File.Meta.
const (
	MetaProductName     = "msi.product_name"
	MetaProductVersion  = "msi.product_version"
	MetaManufacturer    = "msi.manufacturer"
	MetaProductCode     = "msi.product_code"
	MetaUpgradeCode     = "msi.upgrade_code"
	MetaProductLanguage = "msi.product_language"
	MetaTitle           = "msi.title"
	MetaSubject         = "msi.subject"
	MetaAuthor          = "msi.author"
	MetaComments        = "msi.comments"
	MetaTemplate        = "msi.template"     // platform;languages
	MetaPackageCode     = "msi.package_code" // summary RevisionNumber
	MetaCreateTime      = "msi.create_time"
	MetaCreatingApp     = "msi.creating_application"
)

var propertyKeys = map[string]string{
	"ProductName":     MetaProductName,
	"ProductVersion":  MetaProductVersion,
	"Manufacturer":    MetaManufacturer,
	"ProductCode":     MetaProductCode,
	"UpgradeCode":     MetaUpgradeCode,
	"ProductLanguage": MetaProductLanguage,
}

// maxSignature caps the DigitalSignature stream read.
const maxSignature = 16 << 20

// Result is what Read found. Signatures still need CheckChain.
type Result struct {
	Sigs      []*authenticode.Parsed
	Anomalies []snapshot.Anomaly
	Meta      map[string]string
}

// Read parses the compound file r of size bytes. An error without a result
// means r is not a readable compound file.
func Read(r io.ReaderAt, size int64, lim authenticode.Limits) (*Result, error) {
	d, err := openCFB(r, size)
	if err != nil {
		return nil, err
	}
	res := &Result{Meta: map[string]string{}}
	var errs []error
	if err := res.readMeta(d); err != nil {
		errs = append(errs, err)
	}
	if err := res.readSignature(d, lim); err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// readMeta reads product facts; a compound file without a string pool is
// not an MSI database (a legacy Office document, say) and has none.
func (res *Result) readMeta(d *doc) error {
	b, err := openDB(d)
	if errors.Is(err, errNotDatabase) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("MSI database: %w", err)
	}
	props, err := b.properties()
	for k, key := range propertyKeys {
		if v := clean(props[k]); v != "" {
			res.Meta[key] = v
		}
	}
	if err != nil {
		return fmt.Errorf("MSI database: %w", err)
	}
	if err := summary(b, res.Meta); err != nil {
		return fmt.Errorf("summary information: %w", err)
	}
	return nil
}

func (res *Result) readSignature(d *doc, lim authenticode.Limits) error {
	kids, err := d.children(&d.entries[0])
	if err != nil {
		return err
	}
	var sigE, exE *entry
	for _, k := range kids {
		switch name(k) {
		case streamSignature:
			sigE = k
		case streamSignatureEx:
			exE = k
		}
	}
	if sigE == nil {
		return nil
	}
	blob, err := d.readStream(sigE, maxSignature)
	if err != nil {
		return err
	}
	sigs, rest, err := authenticode.Parse(blob, snapshot.SigMSI, lim)
	if err != nil {
		return fmt.Errorf("DigitalSignature stream: %w", err)
	}
	res.Sigs = sigs
	if len(rest) > 7 || !cms.IsZero(rest) {
		res.Anomalies = append(res.Anomalies, anomaly.New(anomaly.SignaturePadding,
			fmt.Sprintf("%d bytes follow the PKCS#7 signature in the DigitalSignature stream; verifiers ignore them", len(rest))))
	}
	var ex []byte
	if exE != nil {
		if ex, err = d.readStream(exE, 1024); err != nil {
			return err
		}
	}
	return res.checkDigests(d, ex, exE != nil)
}

// checkDigests recomputes the package digest for each algorithm in use.
func (res *Result) checkDigests(d *doc, ex []byte, hasEx bool) error {
	done := map[crypto.Hash][]byte{}
	for _, s := range res.Sigs {
		if s.Hash == 0 || !s.Hash.Available() {
			continue
		}
		if done[s.Hash] == nil {
			imprint, prehash, err := d.digest(s.Hash, hasEx)
			if err != nil {
				return fmt.Errorf("MSI digest: %w", err)
			}
			done[s.Hash] = imprint
			if hasEx && !s.Sig.Nested && !bytes.Equal(prehash, ex) {
				res.Anomalies = append(res.Anomalies, anomaly.New(anomaly.DigestMismatch,
					fmt.Sprintf("the MsiDigitalSignatureEx stream (%x) does not match the %s pre-hash of the package's directory metadata (%x)",
						ex, authenticode.HashName(s.Hash), prehash)))
			}
		}
		s.SetComputed(done[s.Hash])
	}
	return nil
}
