package match

import (
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// anomalyPolicy scores what a file's structure says about it, with no
// indicator: the kinds are those the code-signing collector records
// (internal/collect/codesign/anomaly). A signed file that was changed after
// signing is an alert; tricks that leave a signature "valid" to most
// verifiers are warnings; facts with common innocent causes are notices.
var anomalyPolicy = map[string]struct {
	score int
	title string
}{
	"digest-mismatch":              {80, "Signed file changed after signing"},
	"page-hash-mismatch":           {80, "Signed Mach-O code changed after signing"},
	"explicit-curve-certificate":   {80, "Certificate with explicit EC curve parameters (CVE-2020-0601 CurveBall layout)"},
	"signature-padding":            {70, "Data hidden inside a valid signature (CVE-2013-3900 padding, as in the 3CX d3dcompiler_47.dll)"},
	"special-slot-mismatch":        {70, "Mach-O signature does not cover its resources or entitlements"},
	"bad-signature":                {70, "Signature does not verify"},
	"security-directory-size":      {60, "Signature directory size does not match its contents"},
	"bundle-seal-broken":           {60, "App bundle changed after it was sealed"},
	"signed-outside-validity":      {60, "Signed outside the certificate's validity"},
	"compiled-after-signing":       {60, "Compiled after it was signed"},
	"data-after-certificate-table": {70, "Data appended after the signature, outside what it covers"},
	"certificate-table-invalid":    {50, "Malformed signature table"},
	"bad-timestamp":                {50, "Signature timestamp does not verify"},
	"vendor-mismatch":              {50, "Version resource names a vendor the signer is not"},
	"unsigned-microsoft-file":      {60, "Claims to be Microsoft's, in a Windows system folder, but nothing signs it"},
	"unsigned-system-file":         {40, "Unsigned file in a Windows system folder that no catalog lists"},
	"expired-no-timestamp":         {40, "Signed with a certificate that has expired, without a timestamp"},
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
