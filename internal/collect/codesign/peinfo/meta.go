package peinfo

import (
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/saferwall/pe"
	pelog "github.com/saferwall/pe/log"

	"github.com/cascade-ir/cascade/internal/guard"
)

// Meta keys peinfo records in snapshot.File.Meta.
const (
	MetaCompileTime      = "pe.compile_time" // COFF TimeDateStamp, RFC 3339 UTC
	MetaMachine          = "pe.machine"      // amd64, 386, arm64, …
	MetaCompanyName      = "pe.company_name"
	MetaProductName      = "pe.product_name"
	MetaFileVersion      = "pe.file_version"
	MetaProductVersion   = "pe.product_version"
	MetaOriginalFilename = "pe.original_filename"
	MetaFileDescription  = "pe.file_description"
	MetaInternalName     = "pe.internal_name"
	MetaLegalCopyright   = "pe.legal_copyright"
	// MetaReproducible is "true" when a REPRO debug entry says the COFF
	// TimeDateStamp is a content hash, not a time (MetaCompileTime is then
	// not recorded).
	MetaReproducible = "pe.reproducible"
	// MetaAuthentihashSHA1 and MetaAuthentihashSHA256 are the Authenticode
	// image digests (hex) of a PE without an embedded signature, on a
	// Windows source with catalogs: what a catalog lists to sign it.
	MetaAuthentihashSHA1   = "pe.authentihash_sha1"
	MetaAuthentihashSHA256 = "pe.authentihash_sha256"
)

// MetaAuthentihash names the Meta key of each image digest kept for
// catalogs.
var MetaAuthentihash = map[crypto.Hash]string{crypto.SHA1: MetaAuthentihashSHA1, crypto.SHA256: MetaAuthentihashSHA256}

// versionKeys maps StringFileInfo names to Meta keys.
var versionKeys = map[string]string{
	"CompanyName":      MetaCompanyName,
	"ProductName":      MetaProductName,
	"FileVersion":      MetaFileVersion,
	"ProductVersion":   MetaProductVersion,
	"OriginalFilename": MetaOriginalFilename,
	"FileDescription":  MetaFileDescription,
	"InternalName":     MetaInternalName,
	"LegalCopyright":   MetaLegalCopyright,
}

// maxMetaValue caps a version string kept in Meta.
const maxMetaValue = 512

// quiet discards saferwall's log lines: library code never prints.
type quiet struct{}

func (quiet) Log(pelog.Level, ...any) error { return nil }

// readVersion parses the version resource and the debug directory (for a
// REPRO entry) with saferwall/pe, skipping every other data directory. Certificate validation is always off:
// on Windows it would run certutil and reach the network.
func readVersion(b []byte, meta map[string]string) (err error) {
	defer guard.Recover(&err, "PE parser", "version resource")
	f, err := pe.NewBytes(b, &pe.Options{
		DisableCertValidation: true, DisableSignatureValidation: true,
		OmitSecurityDirectory: true, OmitExportDirectory: true, OmitImportDirectory: true,
		OmitExceptionDirectory: true, OmitRelocDirectory: true,
		OmitArchitectureDirectory: true, OmitGlobalPtrDirectory: true, OmitTLSDirectory: true,
		OmitLoadConfigDirectory: true, OmitBoundImportDirectory: true, OmitIATDirectory: true,
		OmitDelayImportDirectory: true, OmitCLRHeaderDirectory: true, OmitCLRMetadata: true,
		MaxCOFFSymbolsCount: 1, MaxRelocEntriesCount: 1, Logger: quiet{},
	})
	if err != nil {
		return fmt.Errorf("version resource: %w", err)
	}
	if err := f.Parse(); err != nil {
		return fmt.Errorf("version resource: PE parse: %w", err)
	}
	for _, d := range f.Debugs {
		if d.Struct.Type == pe.ImageDebugTypeRepro {
			meta[MetaReproducible] = "true"
		}
	}
	vers, err := f.ParseVersionResources()
	for name, key := range versionKeys {
		if v := clean(vers[name]); v != "" {
			meta[key] = v
		}
	}
	if err != nil && !errors.Is(err, pe.ErrOutsideBoundary) {
		return fmt.Errorf("version resource: %w", err)
	}
	return nil
}

// clean trims NULs and spaces, drops invalid UTF-8 and caps the length.
func clean(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "\x00"))
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxMetaValue {
		s = s[:maxMetaValue]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

func unixUTC(t uint32) string {
	return time.Unix(int64(t), 0).UTC().Format(time.RFC3339)
}
