package server

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// The ID token parser and verifier: a compact JWS (RFC 7515) whose
// payload is a JWT (RFC 7519) with the claims of OpenID Connect Core 1.0
// §2 and §3.1.3.7. Only the standard library: the token is untrusted
// input from the network and every check is ours to see.

const (
	maxIDToken  = 64 << 10 // a token with many groups is a few KiB
	maxJWKS     = 1 << 20
	tokenLeeway = 2 * time.Minute // clock skew allowed on exp, iat and nbf
)

// idClaims are the claims cascade reads from an ID token.
type idClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	AZP       string
	Nonce     string
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	Email     string
	Name      string
	// Raw keeps every claim, for the groups claim (its name is configured).
	Raw map[string]json.RawMessage
}

// jwtHeader is the JOSE header of a signed token.
type jwtHeader struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid"`
	Typ  string   `json:"typ"`
	Crit []string `json:"crit"`
}

// parsedJWT is a compact JWS split and decoded, not yet verified.
type parsedJWT struct {
	header    jwtHeader
	signed    []byte // base64url(header) "." base64url(payload)
	payload   []byte
	signature []byte
}

var errMalformed = errors.New("malformed ID token")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, a...))
}

// parseJWT splits a compact JWS and decodes its parts. It refuses
// anything that is not exactly three base64url parts, a header that is not
// a JSON object with an algorithm, and critical extensions (none is
// understood).
func parseJWT(tok string) (*parsedJWT, error) {
	if len(tok) > maxIDToken {
		return nil, malformed("%d bytes, more than %d", len(tok), maxIDToken)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, malformed("%d parts, want 3 (a signed JWT; encrypted tokens are not supported)", len(parts))
	}
	dec := func(what, s string) ([]byte, error) {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, malformed("%s is not base64url: %v", what, err)
		}
		return b, nil
	}
	h, err := dec("header", parts[0])
	if err != nil {
		return nil, err
	}
	p := &parsedJWT{signed: []byte(parts[0] + "." + parts[1])}
	if err := strictJSON(h, &p.header); err != nil {
		return nil, malformed("header: %v", err)
	}
	if p.header.Alg == "" {
		return nil, malformed("header has no alg")
	}
	if len(p.header.Crit) > 0 {
		return nil, malformed("header has critical extensions %q, none is supported", p.header.Crit)
	}
	if p.payload, err = dec("payload", parts[1]); err != nil {
		return nil, err
	}
	if p.signature, err = dec("signature", parts[2]); err != nil {
		return nil, err
	}
	if len(p.signature) == 0 {
		return nil, malformed("unsigned token")
	}
	return p, nil
}

// strictJSON decodes one JSON object and refuses trailing data.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// parseClaims decodes the payload's claims. Numbers may be integers or
// fractions (NumericDate); aud may be a string or an array of strings.
func parseClaims(payload []byte) (*idClaims, error) {
	var raw map[string]json.RawMessage
	if err := strictJSON(payload, &raw); err != nil {
		return nil, malformed("claims: %v", err)
	}
	if raw == nil {
		return nil, malformed("claims are not a JSON object")
	}
	c := &idClaims{Raw: raw}
	str := func(name string, dst *string, required bool) error {
		v, ok := raw[name]
		if !ok {
			if required {
				return malformed("no %s claim", name)
			}
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return malformed("%s claim is not a string", name)
		}
		return nil
	}
	date := func(name string, dst *time.Time, required bool) error {
		v, ok := raw[name]
		if !ok {
			if required {
				return malformed("no %s claim", name)
			}
			return nil
		}
		var f float64
		if err := json.Unmarshal(v, &f); err != nil || f < 0 || f > 1e11 {
			return malformed("%s claim is not a date", name)
		}
		sec := int64(f)
		*dst = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
		return nil
	}
	for _, e := range []error{
		str("iss", &c.Issuer, true), str("sub", &c.Subject, true), str("azp", &c.AZP, false),
		str("nonce", &c.Nonce, false), str("email", &c.Email, false), str("name", &c.Name, false),
		date("exp", &c.Expiry, true), date("iat", &c.IssuedAt, true), date("nbf", &c.NotBefore, false),
	} {
		if e != nil {
			return nil, e
		}
	}
	aud, ok := raw["aud"]
	if !ok {
		return nil, malformed("no aud claim")
	}
	var one string
	if err := json.Unmarshal(aud, &one); err == nil {
		c.Audience = []string{one}
	} else if err := json.Unmarshal(aud, &c.Audience); err != nil {
		return nil, malformed("aud claim is neither a string nor an array of strings")
	}
	if c.Subject == "" || len(c.Subject) > 255 {
		return nil, malformed("sub claim is empty or longer than 255 characters")
	}
	return c, nil
}

// tokenError is a token that was well formed but is not acceptable; Msg
// says why in words for the sign-in page.
type tokenError struct{ Msg string }

func (e *tokenError) Error() string { return "ID token refused: " + e.Msg }

func refused(format string, a ...any) error { return &tokenError{Msg: fmt.Sprintf(format, a...)} }

// tokenExpect is what an ID token must say to be accepted.
type tokenExpect struct {
	Issuer   string
	ClientID string
	Nonce    string
	Now      time.Time
	// Algs are the algorithms the provider announced (empty: any this
	// verifier supports).
	Algs []string
}

// checkClaims applies OpenID Connect Core §3.1.3.7 to decoded claims.
func checkClaims(c *idClaims, want tokenExpect) error {
	if c.Issuer != want.Issuer {
		return refused("issuer %q is not the configured issuer %q", c.Issuer, want.Issuer)
	}
	if !slices.Contains(c.Audience, want.ClientID) {
		return refused("the token is for audience %q, not for this server's client id %q", c.Audience, want.ClientID)
	}
	if len(c.Audience) > 1 && c.AZP == "" {
		return refused("the token has several audiences %q and no azp claim", c.Audience)
	}
	if c.AZP != "" && c.AZP != want.ClientID {
		return refused("the token's authorized party (azp) is %q, not %q", c.AZP, want.ClientID)
	}
	if !want.Now.Before(c.Expiry.Add(tokenLeeway)) {
		return refused("the token expired at %s", c.Expiry.Format(time.RFC3339))
	}
	if c.IssuedAt.After(want.Now.Add(tokenLeeway)) {
		return refused("the token is issued in the future (%s); check the clocks", c.IssuedAt.Format(time.RFC3339))
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(want.Now.Add(tokenLeeway)) {
		return refused("the token is not valid before %s", c.NotBefore.Format(time.RFC3339))
	}
	if want.Nonce == "" || !constantEqual(c.Nonce, want.Nonce) {
		return refused("the token's nonce does not match this sign-in")
	}
	return nil
}

// jwk is one key of a JSON Web Key Set (RFC 7517, RFC 7518 §6).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// publicKey is a verification key from the provider's JWKS.
type publicKey struct {
	kid string
	alg string // "" when the JWK does not pin one
	key crypto.PublicKey
}

// parseJWKS reads a JWK Set, keeping the signature keys it understands
// (RSA of 2048 bits or more, EC on P-256/384/521) and counting the rest.
func parseJWKS(b []byte) (keys []publicKey, skipped int, err error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, 0, fmt.Errorf("JWKS: %w", err)
	}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			skipped++
			continue
		}
		pk, err := k.public()
		if err != nil {
			skipped++
			continue
		}
		keys = append(keys, publicKey{kid: k.Kid, alg: k.Alg, key: pk})
	}
	return keys, skipped, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

func (k jwk) public() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64int(k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64int(k.E)
		if err != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return nil, errors.New("bad RSA exponent")
		}
		if n.BitLen() < 2048 || n.BitLen() > 8192 {
			return nil, fmt.Errorf("RSA key of %d bits", n.BitLen())
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("curve %q", k.Crv)
		}
		x, err := b64int(k.X)
		if err != nil {
			return nil, err
		}
		y, err := b64int(k.Y)
		if err != nil {
			return nil, err
		}
		size := (curve.Params().BitSize + 7) / 8
		raw := make([]byte, 1+2*size)
		raw[0] = 4
		if len(x.Bytes()) > size || len(y.Bytes()) > size {
			return nil, errors.New("EC coordinate too long")
		}
		x.FillBytes(raw[1 : 1+size])
		y.FillBytes(raw[1+size:])
		// ParseUncompressedPublicKey checks the point is on the curve.
		return ecdsa.ParseUncompressedPublicKey(curve, raw)
	}
	return nil, fmt.Errorf("key type %q", k.Kty)
}

// verifySignature checks the JWS signature with key under alg. Only
// asymmetric algorithms: "none" and HMAC (which would make the client
// secret a signing key anyone with it could use) are refused.
func verifySignature(p *parsedJWT, k publicKey) error {
	alg := p.header.Alg
	if k.alg != "" && k.alg != alg {
		return refused("the token is signed with %s but its key %q is for %s", alg, k.kid, k.alg)
	}
	var h crypto.Hash
	switch alg[min(2, len(alg)):] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		return refused("signature algorithm %q is not supported", alg)
	}
	digest := hashOf(h, p.signed)
	switch pub := k.key.(type) {
	case *rsa.PublicKey:
		var err error
		switch alg[:2] {
		case "RS":
			err = rsa.VerifyPKCS1v15(pub, h, digest, p.signature)
		case "PS":
			err = rsa.VerifyPSS(pub, h, digest, p.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		default:
			return refused("signature algorithm %q does not fit an RSA key", alg)
		}
		if err != nil {
			return refused("bad signature (%s, key %q)", alg, k.kid)
		}
		return nil
	case *ecdsa.PublicKey:
		want := map[string]int{"ES256": 256, "ES384": 384, "ES512": 521}[alg]
		if want == 0 || pub.Curve.Params().BitSize != want {
			return refused("signature algorithm %q does not fit key %q", alg, k.kid)
		}
		size := (want + 7) / 8
		if len(p.signature) != 2*size {
			return refused("bad signature length %d for %s", len(p.signature), alg)
		}
		r := new(big.Int).SetBytes(p.signature[:size])
		s := new(big.Int).SetBytes(p.signature[size:])
		if !ecdsa.Verify(pub, digest, r, s) {
			return refused("bad signature (%s, key %q)", alg, k.kid)
		}
		return nil
	}
	return refused("key %q has an unsupported type", k.kid)
}

func hashOf(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(b)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(b)
		return s[:]
	}
	s := sha256.Sum256(b)
	return s[:]
}

// supportedAlg says whether this verifier can check alg.
func supportedAlg(alg string) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512":
		return true
	}
	return false
}

// groupsFrom reads the groups claim: an array of strings or one string,
// by its name, or by a dotted path into nested objects (Keycloak's
// "realm_access.roles") when no claim has the whole name.
func groupsFrom(raw map[string]json.RawMessage, claim string) ([]string, error) {
	v, ok := raw[claim]
	if !ok && strings.Contains(claim, ".") {
		path := strings.Split(claim, ".")
		cur := raw
		for i, seg := range path {
			v, ok = cur[seg]
			if !ok || i == len(path)-1 {
				break
			}
			cur = nil
			if json.Unmarshal(v, &cur) != nil || cur == nil {
				ok = false
				break
			}
		}
	}
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, malformed("the %s claim is neither a string nor an array of strings", claim)
	}
	if len(many) > 10000 {
		return nil, malformed("the %s claim has %d groups", claim, len(many))
	}
	return many, nil
}
