package match

import (
	"math/big"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// matchSigners checks every signature on the file against the signer
// indicators.
func (s *Set) matchSigners(rs *reasons, f *snapshot.File, at time.Time) {
	if len(s.signer) == 0 {
		return
	}
	for _, i := range s.signer {
		ind := &s.in.Indicators[i]
		for _, sig := range f.Signatures {
			if SignerMatches(ind.Signer, &sig) {
				rs.add(s, i, "", at)
				break
			}
		}
	}
}

// SignerMatches reports whether a signature's signer fits the spec: every
// non-empty field of the spec must match, and a signing-time window needs a
// timestamp inside it.
func SignerMatches(spec *intel.SignerSpec, sig *snapshot.Signature) bool {
	c := sig.Signer
	if spec == nil || c == nil {
		return false
	}
	if spec.Subject != "" && !subjectMatches(spec.Subject, c) {
		return false
	}
	if spec.Issuer != "" && !strings.Contains(strings.ToLower(c.Issuer), strings.ToLower(spec.Issuer)) {
		return false
	}
	if spec.Serial != "" && !SerialEqual(spec.Serial, c.Serial) {
		return false
	}
	if spec.Thumbprint != "" {
		t := hexOnly(spec.Thumbprint)
		if t != hexOnly(c.SHA1) && t != hexOnly(c.SHA256) {
			return false
		}
	}
	if !spec.SignedAfter.IsZero() || !spec.SignedBefore.IsZero() {
		if sig.Timestamp == nil {
			return false
		}
		ts := sig.Timestamp.Time
		if (!spec.SignedAfter.IsZero() && ts.Before(spec.SignedAfter)) ||
			(!spec.SignedBefore.IsZero() && !ts.Before(spec.SignedBefore)) {
			return false
		}
	}
	return true
}

// subjectMatches accepts an exact common name or organization, or a
// substring of the full subject.
func subjectMatches(want string, c *snapshot.Certificate) bool {
	w := strings.ToLower(strings.TrimSpace(want))
	return strings.EqualFold(c.CommonName, w) || strings.EqualFold(c.Organization, w) ||
		strings.Contains(strings.ToLower(c.Subject), w)
}

// SerialEqual compares certificate serial numbers written as hex (with or
// without spaces, colons, leading zeros) or as decimal.
func SerialEqual(a, b string) bool {
	x, okx := serialInts(a)
	y, oky := serialInts(b)
	if !okx || !oky {
		return false
	}
	for _, p := range x {
		for _, q := range y {
			if p.Cmp(q) == 0 {
				return true
			}
		}
	}
	return false
}

// serialInts reads a serial both as hex and, when it is all digits, as
// decimal: a report's "21150566861557194870231784728595120365" is decimal.
func serialInts(s string) ([]*big.Int, bool) {
	h := hexOnly(s)
	if h == "" {
		return nil, false
	}
	var out []*big.Int
	if v, ok := new(big.Int).SetString(h, 16); ok {
		out = append(out, v)
	}
	digits := strings.TrimSpace(s)
	if v, ok := new(big.Int).SetString(digits, 10); ok && len(digits) > 20 {
		out = append(out, v)
	}
	return out, len(out) > 0
}

func hexOnly(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func signerName(f *snapshot.File) string {
	for _, sig := range f.Signatures {
		if sig.Signer != nil && !sig.Nested {
			if sig.Signer.CommonName != "" {
				return sig.Signer.CommonName
			}
			return sig.Signer.Subject
		}
	}
	return ""
}
