package peinfo

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/pefile"
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
	// MetaProblem says why part of the version resource, the debug
	// directory or the headers they hang from could not be read, with the
	// file offset: the code-signing record is complete without them, so
	// this is a note on the record, not an error for the file.
	MetaProblem = "pe.metadata_problem"
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

// readVersion reads the version resource and the debug directory (for a
// REPRO entry) of the headers and sections in b. Every StringFileInfo
// table is read; a name in a later table replaces an earlier one's value.
// What cannot be read is noted under MetaProblem.
func readVersion(b []byte, meta map[string]string) error {
	f, err := pefile.Open(bytes.NewReader(b), int64(len(b)), pefile.Limits{})
	if f == nil {
		return fmt.Errorf("version resource: %w", err)
	}
	problems := []error{err}
	dbg, err := f.Debug()
	if pefile.HasRepro(dbg) {
		meta[MetaReproducible] = "true"
	}
	vers, verr := f.VersionInfo()
	for _, v := range vers {
		for _, t := range v.Tables {
			for _, s := range t.Strings {
				if key, ok := versionKeys[s.Key]; ok {
					if c := clean(s.Value); c != "" {
						meta[key] = c
					}
				}
			}
		}
	}
	if p := errors.Join(append(problems, err, verr)...); p != nil {
		meta[MetaProblem] = clean(strings.ReplaceAll(p.Error(), "\n", "; "))
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
