package codesign

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// compileSlack tolerates build and timestamp clocks that disagree.
const compileSlack = time.Hour

// checkSignatures adds the anomalies that follow from a file's signature
// facts and metadata: integrity, validity in time, compile time.
func checkSignatures(f *snapshot.File, now time.Time) {
	for i := range f.Signatures {
		s := &f.Signatures[i]
		f.Anomalies = append(f.Anomalies, integrity(s)...)
		f.Anomalies = append(f.Anomalies, validity(s, now)...)
		if a := compiledAfter(f, s); a != nil {
			f.Anomalies = append(f.Anomalies, *a)
		}
	}
}

// who names a signature's signer for details.
func who(s *snapshot.Signature) string {
	n := "an unknown signer"
	if s.Signer != nil {
		n = quote(s.Signer.Subject)
	}
	if s.Nested {
		n += " (nested signature)"
	}
	return n
}

// quote shows a name from a certificate: DN escapes removed, control
// characters replaced, in quotes.
func quote(s string) string {
	return `"` + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, snapshot.UnescapeDN(s)) + `"`
}

func integrity(s *snapshot.Signature) []snapshot.Anomaly {
	var out []snapshot.Anomaly
	// Mach-O records its own page, slot and CMS anomalies.
	if s.Format != snapshot.SigMachO {
		if s.DigestMatch != nil && !*s.DigestMatch {
			out = append(out, anomaly.New(anomaly.DigestMismatch, fmt.Sprintf(
				"the file's %s digest %s differs from %s, the one the signature by %s covers: the file changed after it was signed",
				s.DigestAlgorithm, s.ComputedDigest, s.SignedDigest, who(s))))
		}
		if s.SignatureVerified != nil && !*s.SignatureVerified {
			out = append(out, anomaly.New(anomaly.BadSignature, fmt.Sprintf(
				"the PKCS#7 signature by %s does not verify: %s", who(s), s.SignatureError)))
		}
	}
	if ts := s.Timestamp; ts != nil && ts.Verified != nil && !*ts.Verified {
		out = append(out, anomaly.New(anomaly.BadTimestamp, fmt.Sprintf(
			"the %s timestamp (%s) on the signature by %s does not verify: %s",
			ts.Kind, ts.Time.Format(time.RFC3339), who(s), ts.Error)))
	}
	return out
}

func validity(s *snapshot.Signature, now time.Time) []snapshot.Anomaly {
	c := s.Signer
	if c == nil {
		return nil
	}
	var out []snapshot.Anomaly
	if t, src, ok := s.SignedAt(); ok && (t.Before(c.NotBefore) || t.After(c.NotAfter)) {
		out = append(out, anomaly.New(anomaly.SignedOutsideValidity, fmt.Sprintf(
			"signed at %s (%s), outside the validity of the certificate of %s (%s to %s)",
			t.Format(time.RFC3339), src, who(s), c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))))
	}
	stamped := s.Timestamp != nil && s.Timestamp.Verified != nil && *s.Timestamp.Verified
	if !stamped && now.After(c.NotAfter) {
		out = append(out, anomaly.New(anomaly.ExpiredNoTimestamp, fmt.Sprintf(
			"the certificate of %s expired on %s and no valid timestamp proves the file was signed before then",
			who(s), c.NotAfter.Format(time.RFC3339))))
	}
	return out
}

// compiledAfter flags a PE whose compile time is later than its signing.
func compiledAfter(f *snapshot.File, s *snapshot.Signature) *snapshot.Anomaly {
	ct, err := time.Parse(time.RFC3339, f.Meta[peinfo.MetaCompileTime])
	if err != nil || s.Format != snapshot.SigAuthenticode {
		return nil
	}
	t, src, ok := s.SignedAt()
	if !ok || !ct.After(t.Add(compileSlack)) {
		return nil
	}
	a := anomaly.New(anomaly.CompiledAfterSigning, fmt.Sprintf(
		"the PE header says the file was compiled at %s, after it was signed at %s (%s) by %s; "+
			"a forged header or a re-signed old signature",
		ct.Format(time.RFC3339), t.Format(time.RFC3339), src, who(s)))
	return &a
}
