package match

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// MatchSigner reports whether sig's signer satisfies spec — every non-empty
// field must — and explains why or why not. Subject matches a substring of
// the subject DN or the exact CN or O, case-insensitively; Issuer a
// substring of the issuer DN; Serial compares as a number written in hex
// (any case, with or without spaces, colons, dashes, 0x or leading zeros)
// or, failing that, in decimal; Thumbprint is the certificate's SHA-1 or
// SHA-256. The signing window uses the verified timestamp, else the claimed
// signing time: [SignedAfter, SignedBefore).
func MatchSigner(spec intel.SignerSpec, sig snapshot.Signature) (bool, string) {
	c := sig.Signer
	if c == nil {
		return false, "the signature has no signer certificate"
	}
	if spec == (intel.SignerSpec{}) {
		return false, "the signer indicator is empty"
	}
	var why []string
	for _, check := range []func(intel.SignerSpec, *snapshot.Certificate) (bool, string){
		matchSubject, matchIssuer, matchSerial, matchThumbprint,
	} {
		ok, msg := check(spec, c)
		if !ok {
			return false, msg
		}
		if msg != "" {
			why = append(why, msg)
		}
	}
	ok, msg := matchWindow(spec, &sig)
	if !ok {
		return false, msg
	}
	if msg != "" {
		why = append(why, msg)
	}
	if sig.Format == snapshot.SigCatalog {
		// The file carries no signature of its own: say whose list it is in.
		why = append([]string{fmt.Sprintf("listed in catalog %s", sig.Catalog)}, why...)
	}
	return true, strings.Join(why, "; ")
}

func matchSubject(spec intel.SignerSpec, c *snapshot.Certificate) (bool, string) {
	if spec.Subject == "" {
		return true, ""
	}
	want := strings.ToLower(strings.TrimSpace(spec.Subject))
	switch {
	case strings.EqualFold(c.CommonName, want):
		return true, fmt.Sprintf("signer CN %q is %q", c.CommonName, spec.Subject)
	case strings.EqualFold(c.Organization, want):
		return true, fmt.Sprintf("signer O %q is %q", c.Organization, spec.Subject)
	case strings.Contains(strings.ToLower(snapshot.UnescapeDN(c.Subject)), want):
		return true, fmt.Sprintf("signer subject %q contains %q", c.Subject, spec.Subject)
	}
	return false, fmt.Sprintf("signer subject %q does not match %q", c.Subject, spec.Subject)
}

func matchIssuer(spec intel.SignerSpec, c *snapshot.Certificate) (bool, string) {
	if spec.Issuer == "" {
		return true, ""
	}
	want := strings.ToLower(strings.TrimSpace(spec.Issuer))
	if strings.Contains(strings.ToLower(snapshot.UnescapeDN(c.Issuer)), want) {
		return true, fmt.Sprintf("issuer %q contains %q", c.Issuer, spec.Issuer)
	}
	return false, fmt.Sprintf("issuer %q does not contain %q", c.Issuer, spec.Issuer)
}

func matchSerial(spec intel.SignerSpec, c *snapshot.Certificate) (bool, string) {
	if spec.Serial == "" {
		return true, ""
	}
	have := normalizeHex(c.Serial)
	if hx := normalizeHex(spec.Serial); hx != "" && hx == have {
		return true, fmt.Sprintf("serial %s equals %q", c.Serial, spec.Serial)
	}
	if d := decimalAsHex(spec.Serial); d != "" && d == have {
		return true, fmt.Sprintf("serial %s equals decimal %q", c.Serial, spec.Serial)
	}
	return false, fmt.Sprintf("serial %s is not %q", c.Serial, spec.Serial)
}

// normalizeHex strips separators, a 0x prefix and leading zeros; it returns
// "" when s is not hexadecimal.
func normalizeHex(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if s == "" || strings.Trim(s, "0123456789abcdef") != "" {
		return ""
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// decimalAsHex reads s as a decimal number and writes it in hex, or "".
func decimalAsHex(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return ""
	}
	return n.Text(16)
}

func matchThumbprint(spec intel.SignerSpec, c *snapshot.Certificate) (bool, string) {
	if spec.Thumbprint == "" {
		return true, ""
	}
	want := strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(spec.Thumbprint)))
	switch want {
	case c.SHA1:
		return true, "certificate SHA-1 thumbprint matches"
	case c.SHA256:
		return true, "certificate SHA-256 thumbprint matches"
	}
	return false, fmt.Sprintf("certificate thumbprints %s / %s are not %s", c.SHA1, c.SHA256, spec.Thumbprint)
}

func matchWindow(spec intel.SignerSpec, sig *snapshot.Signature) (bool, string) {
	if spec.SignedAfter.IsZero() && spec.SignedBefore.IsZero() {
		return true, ""
	}
	t, src, ok := sig.SignedAt()
	if !ok {
		return false, "the signature carries no signing time to compare with the indicator's window"
	}
	window := fmt.Sprintf("[%s, %s)", day(spec.SignedAfter), day(spec.SignedBefore))
	if (!spec.SignedAfter.IsZero() && t.Before(spec.SignedAfter)) || (!spec.SignedBefore.IsZero() && !t.Before(spec.SignedBefore)) {
		return false, fmt.Sprintf("signed %s (%s), outside %s", t.Format(time.RFC3339), src, window)
	}
	return true, fmt.Sprintf("signed %s (%s), within %s", t.Format(time.RFC3339), src, window)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "…"
	}
	return t.UTC().Format("2006-01-02")
}
