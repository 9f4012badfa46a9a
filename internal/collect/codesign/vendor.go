package codesign

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/msi"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// legalSuffixes are words that say what kind of company, not which.
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "ltd": true, "limited": true, "llc": true, "corp": true,
	"corporation": true, "co": true, "company": true, "gmbh": true, "ag": true, "sa": true,
	"sas": true, "srl": true, "bv": true, "nv": true, "plc": true, "pty": true, "oy": true,
	"ab": true, "as": true, "kk": true, "spa": true, "sarl": true, "lp": true, "llp": true,
}

// vendorKey reduces a company name to the words that identify it.
func vendorKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := words[:0]
	for _, w := range words {
		if !legalSuffixes[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// sameVendor reports whether the claimed vendor and a signer name the same
// company: one's identifying words contain the other's.
func sameVendor(claimed string, c *snapshot.Certificate) bool {
	k := vendorKey(claimed)
	if k == "" {
		return true
	}
	for _, n := range []string{c.Organization, c.CommonName} {
		if s := vendorKey(n); s != "" && (strings.Contains(s, k) || strings.Contains(k, s)) {
			return true
		}
	}
	return false
}

// checkVendor (policy) flags a version resource or MSI manufacturer that
// names a vendor none of the file's signers is.
func checkVendor(f *snapshot.File) {
	for _, key := range []string{peinfo.MetaCompanyName, msi.MetaManufacturer} {
		claimed := f.Meta[key]
		if claimed == "" {
			continue
		}
		var signers []string
		for _, s := range f.Signatures {
			// A catalog's signer is the platform vouching for the
			// file (Windows, or WHQL for a vendor's driver), not its
			// vendor.
			if s.Signer == nil || s.Format == snapshot.SigCatalog {
				continue
			}
			if sameVendor(claimed, s.Signer) {
				return
			}
			signers = append(signers, quote(s.Signer.Subject))
		}
		if len(signers) > 0 {
			f.Anomalies = append(f.Anomalies, anomaly.New(anomaly.VendorMismatch, fmt.Sprintf(
				"%s claims the vendor %s but the file is signed by %s", key, quote(claimed), strings.Join(signers, ", "))))
		}
		return
	}
}
