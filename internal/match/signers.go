package match

import (
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// matchSigners checks every signature on the file against the signer
// indicators; the first signature that fits gives the reason.
func (s *Set) matchSigners(rs *reasons, f *snapshot.File, at time.Time) {
	if len(s.signer) == 0 {
		return
	}
	for _, i := range s.signer {
		ind := &s.in.Indicators[i]
		if ind.Signer == nil {
			continue
		}
		for _, sig := range f.Signatures {
			if ok, why := MatchSigner(*ind.Signer, sig); ok {
				if rs.addIndicator(s, ind, "", at) {
					rs.list[len(rs.list)-1].Matched = signerIdentity(sig.Signer)
					rs.explain(why)
				}
				break
			}
		}
	}
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

// signerIdentity names the certificate a signer indicator matched, for the
// reason: a signer indicator has no value of its own to show.
func signerIdentity(c *snapshot.Certificate) string {
	if c.Serial == "" {
		return c.Subject
	}
	return c.Subject + ", serial " + c.Serial
}
