package snapshot

// The kinds of Anomaly the collectors record, beside the record that
// carries them; the matcher's scoring policy names the same kinds. Each is
// a structural or temporal fact that a cleanly signed file does not have;
// its Detail explains the particular case to a person.

// Anomaly kinds. The string values are stored in snapshots: never change one.
const (
	// AnomalySignaturePadding: bytes follow the PKCS#7 blob inside its
	// WIN_CERTIFICATE (or the CMS blob inside a Mach-O signature) beyond
	// the ≤ 7 zero bytes of alignment a signer writes. Verifiers ignore
	// them, so a validly signed file can carry a payload there: the
	// CVE-2013-3900 trick of the 3CX d3dcompiler_47.dll.
	AnomalySignaturePadding = "signature-padding"
	// AnomalySecurityDirectorySize: the PE security directory's size differs from
	// the sum of its 8-byte-aligned WIN_CERTIFICATE entries, so it covers
	// bytes no entry accounts for (or entries run past it).
	AnomalySecurityDirectorySize = "security-directory-size"
	// AnomalyDataAfterCertificateTable: the file continues after the end of the
	// certificate table, which signers always put last; the extra bytes are
	// outside what the signature covers, so the image digest is checked
	// without them. Windows and osslsigncode refuse such a file.
	AnomalyDataAfterCertificateTable = "data-after-certificate-table"
	// AnomalyCertificateTableInvalid: the security directory points outside the
	// file or holds entries that cannot be walked.
	AnomalyCertificateTableInvalid = "certificate-table-invalid"
	// AnomalyDigestMismatch: the digest the signature covers differs from the one
	// recomputed from the file: the file changed after it was signed.
	AnomalyDigestMismatch = "digest-mismatch"
	// AnomalyBadSignature: the CMS signature does not verify with the signer's key
	// over the signed attributes and content: the signature was forged or
	// its signed part edited.
	AnomalyBadSignature = "bad-signature"
	// AnomalyBadTimestamp: the countersignature does not verify over the signature
	// it claims to stamp, so its time cannot be trusted.
	AnomalyBadTimestamp = "bad-timestamp"
	// AnomalySignedOutsideValidity: the signing time (the timestamp, else the
	// signer's claimed signingTime) falls outside the signer certificate's
	// validity window.
	AnomalySignedOutsideValidity = "signed-outside-validity"
	// AnomalyExpiredNoTimestamp: the signer certificate has expired and no
	// countersignature proves the file was signed while it was valid.
	AnomalyExpiredNoTimestamp = "expired-no-timestamp"
	// AnomalyCompiledAfterSigning: the PE header's compile time is later than the
	// signing time. Reproducible builds put a hash in that field, so this
	// is a lead, not a proof.
	AnomalyCompiledAfterSigning = "compiled-after-signing"
	// AnomalyPageHashMismatch: a Mach-O code page differs from the hash its code
	// directory records: the code changed after signing.
	AnomalyPageHashMismatch = "page-hash-mismatch"
	// AnomalySpecialSlotMismatch: a Mach-O code directory special slot (requirements,
	// entitlements, Info.plist, resources) does not match the blob or file
	// it binds.
	AnomalySpecialSlotMismatch = "special-slot-mismatch"
	// AnomalyBundleSealBroken: an app bundle's _CodeSignature/CodeResources does
	// not match the bundle: a sealed file changed or is missing, an unsealed
	// file was added, or the seal itself is not the one the executable
	// binds.
	AnomalyBundleSealBroken = "bundle-seal-broken"
	// VendorMismatch (policy): the version resource's CompanyName names a
	// vendor that none of the file's signers is.
	AnomalyVendorMismatch = "vendor-mismatch"
	// UnsignedSystemFile (Windows sources with catalogs): a PE directly in
	// Windows\System32, SysWOW64 or System32\drivers has no embedded
	// signature and no catalog on the system lists it. Windows' own files
	// there are signed one way or the other; a planted DLL often is not.
	AnomalyUnsignedSystemFile = "unsigned-system-file"
	// AnomalyUnsignedMicrosoftFile: such a file's version resource also claims
	// Microsoft as its vendor, as a masquerading file does.
	AnomalyUnsignedMicrosoftFile = "unsigned-microsoft-file"
	// AnomalyExplicitCurveCertificate: a certificate in a signature has an EC
	// public key with explicit curve parameters instead of a named curve:
	// the CVE-2020-0601 (CurveBall) layout, in which a forged CA reuses a
	// trusted CA's public key with a generator of the attacker's choosing.
	// RFC 5480 and every public CA use named curves only.
	AnomalyExplicitCurveCertificate = "explicit-curve-certificate"
)

// AnomalyKinds lists every kind, for documentation and validation.
var AnomalyKinds = []string{
	AnomalySignaturePadding, AnomalySecurityDirectorySize, AnomalyDataAfterCertificateTable,
	AnomalyCertificateTableInvalid, AnomalyDigestMismatch, AnomalyBadSignature, AnomalyBadTimestamp,
	AnomalySignedOutsideValidity, AnomalyExpiredNoTimestamp, AnomalyCompiledAfterSigning,
	AnomalyPageHashMismatch, AnomalySpecialSlotMismatch, AnomalyBundleSealBroken, AnomalyVendorMismatch,
	AnomalyUnsignedSystemFile, AnomalyUnsignedMicrosoftFile, AnomalyExplicitCurveCertificate,
}
