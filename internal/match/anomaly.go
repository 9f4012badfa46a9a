package match

import (
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// anomalyPolicy scores what a file's structure says about it, with no
// indicator: the kinds are snapshot.AnomalyKinds (TestAnomalyPolicyCoversKinds
// keeps the two in step). A signed file that was changed after
// signing is an alert; tricks that leave a signature "valid" to most
// verifiers are warnings; facts with common innocent causes are notices.
var anomalyPolicy = map[string]struct {
	score int
	title string
}{
	snapshot.AnomalyDigestMismatch:            {80, "Signed file changed after signing"},
	snapshot.AnomalyPageHashMismatch:          {80, "Signed Mach-O code changed after signing"},
	snapshot.AnomalyExplicitCurveCertificate:  {80, "Certificate with explicit EC curve parameters (CVE-2020-0601 CurveBall layout)"},
	snapshot.AnomalySignaturePadding:          {70, "Data hidden inside a valid signature (CVE-2013-3900 padding, as in the 3CX d3dcompiler_47.dll)"},
	snapshot.AnomalySpecialSlotMismatch:       {70, "Mach-O signature does not cover its resources or entitlements"},
	snapshot.AnomalyBadSignature:              {70, "Signature does not verify"},
	snapshot.AnomalySecurityDirectorySize:     {60, "Signature directory size does not match its contents"},
	snapshot.AnomalyBundleSealBroken:          {60, "App bundle changed after it was sealed"},
	snapshot.AnomalySignedOutsideValidity:     {60, "Signed outside the certificate's validity"},
	snapshot.AnomalyCompiledAfterSigning:      {60, "Compiled after it was signed"},
	snapshot.AnomalyDataAfterCertificateTable: {70, "Data appended after the signature, outside what it covers"},
	snapshot.AnomalyCertificateTableInvalid:   {50, "Malformed signature table"},
	snapshot.AnomalyBadTimestamp:              {50, "Signature timestamp does not verify"},
	snapshot.AnomalyVendorMismatch:            {50, "Version resource names a vendor the signer is not"},
	snapshot.AnomalyUnsignedMicrosoftFile:     {60, "Claims to be Microsoft's, in a Windows system folder, but nothing signs it"},
	snapshot.AnomalyUnsignedSystemFile:        {40, "Unsigned file in a Windows system folder that no catalog lists"},
	snapshot.AnomalyExpiredNoTimestamp:        {40, "Signed with a certificate that has expired, without a timestamp"},
}

// unknownAnomalyScore applies to kinds without a policy entry.
const unknownAnomalyScore = 40

// AnomalyPolicy returns the score for an anomaly kind and whether the kind
// has a policy of its own.
func AnomalyPolicy(kind string) (int, bool) {
	p, ok := anomalyPolicy[kind]
	if !ok {
		return unknownAnomalyScore, false
	}
	return p.score, true
}

// addAnomalies adds one reason per structural anomaly of the file.
func (rs *reasons) addAnomalies(f *snapshot.File) {
	for _, a := range f.Anomalies {
		key := "anomaly:" + a.Kind
		if rs.seen[key] {
			continue
		}
		if rs.seen == nil {
			rs.seen = map[string]bool{}
		}
		rs.seen[key] = true
		score, _ := AnomalyPolicy(a.Kind)
		title := anomalyPolicy[a.Kind].title
		if title == "" {
			title = "File anomaly: " + a.Kind
		}
		rs.list = append(rs.list, finding.Reason{Kind: a.Kind, IndicatorID: key, Matched: a.Kind,
			Description: a.Detail, Score: score, Source: "cascade:file-structure"})
		rs.ctx = append(rs.ctx, reasonCtx{title: title})
	}
}
