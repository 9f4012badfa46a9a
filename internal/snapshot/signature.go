package snapshot

import (
	"strings"
	"time"
)

// Signature formats.
const (
	SigAuthenticode = "authenticode" // PE
	SigMSI          = "msi"          // Authenticode over an OLE compound file
	SigMachO        = "macho"        // Apple code signature
	// SigCatalog is a Windows catalog (.cat) listing the file's
	// Authenticode digest: Catalog names it, CatalogMember the member.
	SigCatalog = "catalog"
)

// Signature is one code signature as a forensic record: who signed, when,
// over what, and whether it still holds. Nested signatures are separate
// entries with Nested set.
type Signature struct {
	Format string `json:"format"`
	Nested bool   `json:"nested,omitempty"`
	// Arch names the slice of a fat Mach-O the signature belongs to.
	Arch            string `json:"arch,omitempty"`
	DigestAlgorithm string `json:"digest_algorithm,omitempty"`
	// SignedDigest is the digest the signature covers; ComputedDigest is the
	// one recomputed from the file. DigestMatch is nil when not checked.
	SignedDigest   string       `json:"signed_digest,omitempty"`
	ComputedDigest string       `json:"computed_digest,omitempty"`
	DigestMatch    *bool        `json:"digest_match,omitempty"`
	Signer         *Certificate `json:"signer,omitempty"`
	// Chain is the signer's chain as embedded, leaf first.
	Chain       []Certificate `json:"chain,omitempty"`
	ProgramName string        `json:"program_name,omitempty"`
	ProgramURL  string        `json:"program_url,omitempty"`
	Timestamp   *Timestamp    `json:"timestamp,omitempty"`
	// ChainVerified is true when the chain reaches a configured root at the
	// timestamp time (or now, without a timestamp). ChainError says why not.
	// ChainWeak is set when the chain holds only with SHA-1 certificate
	// signatures accepted (as Windows accepts them), and names those links:
	// "with SHA-1 certificate signatures (…)".
	ChainVerified *bool  `json:"chain_verified,omitempty"`
	ChainError    string `json:"chain_error,omitempty"`
	ChainWeak     string `json:"chain_weak,omitempty"`
	// SignatureVerified is true when the CMS signature over the signed
	// content verifies with the signer's public key; nil when not checked.
	SignatureVerified *bool  `json:"signature_verified,omitempty"`
	SignatureError    string `json:"signature_error,omitempty"`
	// SigningTime is the signingTime attribute the signer claims (not
	// countersigned: trust Timestamp first).
	SigningTime *time.Time `json:"signing_time,omitempty"`
	// Error says why the signature could not be read completely.
	Error string `json:"error,omitempty"`
	// Catalog is the catalog file that lists the file (Format
	// "catalog"), as the scanned system names it; CatalogMember is the
	// member's file name, or its tag when the catalog gives no name.
	Catalog       string `json:"catalog,omitempty"`
	CatalogMember string `json:"catalog_member,omitempty"`

	// Mach-O code directory facts.
	Identifier string   `json:"identifier,omitempty"`
	TeamID     string   `json:"team_id,omitempty"`
	CDHash     string   `json:"cdhash,omitempty"`
	Flags      []string `json:"flags,omitempty"`
	AdHoc      bool     `json:"adhoc,omitempty"`
}

// Certificate is the identity part of an X.509 certificate.
type Certificate struct {
	Subject      string    `json:"subject"`
	CommonName   string    `json:"common_name,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"` // lower-case hex, no separators
	SHA1         string    `json:"sha1"`   // thumbprint of the DER
	SHA256       string    `json:"sha256"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
}

// Timestamp is a countersignature (legacy Authenticode or RFC 3161).
type Timestamp struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"` // rfc3161 | legacy
	Authority string    `json:"authority,omitempty"`
	// Signer is the time-stamping authority's certificate.
	Signer *Certificate `json:"signer,omitempty"`
	// Verified is true when the countersignature verifies over the signature
	// it stamps; Error says why not. The time is reported either way.
	Verified *bool  `json:"verified,omitempty"`
	Error    string `json:"error,omitempty"`
	// ChainVerified is true when the authority's chain reaches a configured
	// root at the stamped time; nil when no roots are configured. ChainWeak
	// is as in Signature.
	ChainVerified *bool  `json:"chain_verified,omitempty"`
	ChainError    string `json:"chain_error,omitempty"`
	ChainWeak     string `json:"chain_weak,omitempty"`
}

// Anomaly is a structural fact about a file that a clean file does not have,
// such as bytes appended after the PKCS#7 blob inside its signature.
type Anomaly struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	Offset int64  `json:"offset,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// SignedAt is when the signature was made, as far as the file proves it:
// the verified timestamp's time, else the signer's claimed signing time.
// source says which one; ok is false when neither is known.
func (s *Signature) SignedAt() (t time.Time, source string, ok bool) {
	if ts := s.Timestamp; ts != nil && ts.Verified != nil && *ts.Verified {
		return ts.Time, ts.Kind + " timestamp", true
	}
	if s.SigningTime != nil {
		return *s.SigningTime, "claimed signing time (not countersigned)", true
	}
	return time.Time{}, "", false
}

// UnescapeDN drops the escaping of a distinguished name as Subject and
// Issuer are written (`Trading Technologies International\, Inc`), so it
// can be compared with the plain names in reports.
func UnescapeDN(dn string) string { return strings.ReplaceAll(dn, `\`, "") }
