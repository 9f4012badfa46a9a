// Package anomaly gives the code-signing collector short names for the
// snapshot.Anomaly kinds it records (defined, with what each means, in
// internal/snapshot/anomaly.go) and builds its anomalies.
package anomaly

import "github.com/cascade-ir/cascade/internal/snapshot"

// Anomaly kinds, as defined in internal/snapshot (the stored strings).
const (
	SignaturePadding          = snapshot.AnomalySignaturePadding
	SecurityDirectorySize     = snapshot.AnomalySecurityDirectorySize
	DataAfterCertificateTable = snapshot.AnomalyDataAfterCertificateTable
	CertificateTableInvalid   = snapshot.AnomalyCertificateTableInvalid
	DigestMismatch            = snapshot.AnomalyDigestMismatch
	BadSignature              = snapshot.AnomalyBadSignature
	BadTimestamp              = snapshot.AnomalyBadTimestamp
	SignedOutsideValidity     = snapshot.AnomalySignedOutsideValidity
	ExpiredNoTimestamp        = snapshot.AnomalyExpiredNoTimestamp
	CompiledAfterSigning      = snapshot.AnomalyCompiledAfterSigning
	PageHashMismatch          = snapshot.AnomalyPageHashMismatch
	SpecialSlotMismatch       = snapshot.AnomalySpecialSlotMismatch
	BundleSealBroken          = snapshot.AnomalyBundleSealBroken
	VendorMismatch            = snapshot.AnomalyVendorMismatch
	UnsignedSystemFile        = snapshot.AnomalyUnsignedSystemFile
	UnsignedMicrosoftFile     = snapshot.AnomalyUnsignedMicrosoftFile
	ExplicitCurveCertificate  = snapshot.AnomalyExplicitCurveCertificate
)

// Kinds lists every kind (snapshot.AnomalyKinds).
var Kinds = snapshot.AnomalyKinds

// New returns an anomaly of kind explained by detail.
func New(kind, detail string) snapshot.Anomaly {
	return snapshot.Anomaly{Kind: kind, Detail: detail}
}

// At returns an anomaly that points at length bytes at offset.
func At(kind, detail string, offset, length int64) snapshot.Anomaly {
	return snapshot.Anomaly{Kind: kind, Detail: detail, Offset: offset, Length: length}
}
