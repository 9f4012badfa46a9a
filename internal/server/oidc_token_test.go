package server

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The verifier against tokens and key sets made by go-jose, an
// independent JOSE implementation: every algorithm cascade accepts
// verifies, and a token signed by another key does not.

func joseToken(t *testing.T, alg jose.SignatureAlgorithm, key crypto.Signer, kid string, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	obj, err := sig.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func joseJWKS(t *testing.T, keys map[string]crypto.Signer) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for kid, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyAgainstGoJose(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	keys, skipped, err := parseJWKS(joseJWKS(t, map[string]crypto.Signer{"rsa": rsaKey, "p256": p256, "p384": p384, "p521": p521}))
	if err != nil || skipped != 0 || len(keys) != 4 {
		t.Fatalf("parseJWKS: %d keys, %d skipped, %v", len(keys), skipped, err)
	}
	byKid := map[string]publicKey{}
	for _, k := range keys {
		byKid[k.kid] = k
	}
	claims := map[string]any{"iss": "https://idp.example", "sub": "u1", "aud": "cascade", "exp": time.Now().Add(time.Hour).Unix(),
		"iat": time.Now().Unix(), "nonce": "n1", "groups": []string{"soc"}}
	for _, tc := range []struct {
		alg jose.SignatureAlgorithm
		key crypto.Signer
		kid string
	}{
		{jose.RS256, rsaKey, "rsa"}, {jose.RS384, rsaKey, "rsa"}, {jose.RS512, rsaKey, "rsa"},
		{jose.PS256, rsaKey, "rsa"}, {jose.PS384, rsaKey, "rsa"}, {jose.PS512, rsaKey, "rsa"},
		{jose.ES256, p256, "p256"}, {jose.ES384, p384, "p384"}, {jose.ES512, p521, "p521"},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			p, err := parseJWT(joseToken(t, tc.alg, tc.key, tc.kid, claims))
			if err != nil {
				t.Fatal(err)
			}
			if err := verifySignature(p, byKid[tc.kid]); err != nil {
				t.Fatalf("a go-jose %s token does not verify: %v", tc.alg, err)
			}
			// The same algorithm with the wrong key, or a key of the wrong type.
			for kid, k := range byKid {
				if kid != tc.kid {
					if err := verifySignature(p, k); err == nil {
						t.Fatalf("%s token verified with key %s", tc.alg, kid)
					}
				}
			}
		})
	}
	p, _ := parseJWT(joseToken(t, jose.RS256, otherRSA, "rsa", claims))
	if err := verifySignature(p, byKid["rsa"]); err == nil {
		t.Fatal("a token signed by another RSA key verified")
	}
	// A key pinned to one algorithm refuses another.
	pinned := byKid["rsa"]
	pinned.alg = "RS256"
	p, _ = parseJWT(joseToken(t, jose.PS256, rsaKey, "rsa", claims))
	if err := verifySignature(p, pinned); err == nil {
		t.Fatal("a PS256 token verified with a key pinned to RS256")
	}
}

func TestJWKSSkipsWeakAndForeignKeys(t *testing.T) {
	for _, tc := range []struct {
		name, jwks string
		keys       int
	}{
		{"encryption key", `{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}`, 0},
		{"symmetric", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, 0},
		{"short RSA", `{"keys":[{"kty":"RSA","n":"` + strings.Repeat("A", 100) + `","e":"AQAB"}]}`, 0},
		{"point off the curve", `{"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}]}`, 0},
		{"unknown curve", `{"keys":[{"kty":"EC","crv":"secp256k1","x":"AQ","y":"AQ"}]}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, skipped, err := parseJWKS([]byte(tc.jwks))
			if err != nil || len(keys) != tc.keys || skipped != 1 {
				t.Fatalf("%d keys, %d skipped, %v", len(keys), skipped, err)
			}
		})
	}
	if _, _, err := parseJWKS([]byte(`[`)); err == nil {
		t.Fatal("a broken JWKS parsed")
	}
}

func TestCheckClaims(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ok := func() *idClaims {
		return &idClaims{Issuer: "https://idp", Subject: "u", Audience: []string{"cascade"}, Nonce: "n",
			Expiry: now.Add(time.Minute), IssuedAt: now}
	}
	want := tokenExpect{Issuer: "https://idp", ClientID: "cascade", Nonce: "n", Now: now}
	for _, tc := range []struct {
		name   string
		change func(c *idClaims)
		err    string
	}{
		{"good", func(*idClaims) {}, ""},
		{"other issuer", func(c *idClaims) { c.Issuer = "https://idp/" }, "issuer"},
		{"other audience", func(c *idClaims) { c.Audience = []string{"other"} }, "audience"},
		{"several audiences, no azp", func(c *idClaims) { c.Audience = []string{"cascade", "other"} }, "no azp"},
		{"several audiences, azp us", func(c *idClaims) { c.Audience = []string{"cascade", "other"}; c.AZP = "cascade" }, ""},
		{"azp another", func(c *idClaims) { c.AZP = "other" }, "authorized party"},
		{"expired beyond leeway", func(c *idClaims) { c.Expiry = now.Add(-tokenLeeway - time.Second) }, "expired"},
		{"expired within leeway", func(c *idClaims) { c.Expiry = now.Add(-tokenLeeway + time.Second) }, ""},
		{"issued in the future", func(c *idClaims) { c.IssuedAt = now.Add(tokenLeeway + time.Second) }, "future"},
		{"not yet valid", func(c *idClaims) { c.NotBefore = now.Add(tokenLeeway + time.Second) }, "not valid before"},
		{"nbf within leeway", func(c *idClaims) { c.NotBefore = now.Add(time.Minute) }, ""},
		{"other nonce", func(c *idClaims) { c.Nonce = "m" }, "nonce"},
		{"no nonce", func(c *idClaims) { c.Nonce = "" }, "nonce"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok()
			tc.change(c)
			err := checkClaims(c, want)
			var te *tokenError
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !errors.As(err, &te) || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err = %v, want one with %q", err, tc.err)
			}
		})
	}
	// An empty expected nonce never matches an empty claim.
	c := ok()
	c.Nonce = ""
	if checkClaims(c, tokenExpect{Issuer: "https://idp", ClientID: "cascade", Now: now}) == nil {
		t.Fatal("an empty nonce matched")
	}
}

func TestParseClaimsAndGroups(t *testing.T) {
	for _, tc := range []struct {
		name, payload, claim string
		groups               []string
		err                  string
	}{
		{"array", `{"iss":"i","sub":"s","aud":["a"],"exp":2,"iat":1,"groups":["x","y"]}`, "groups", []string{"x", "y"}, ""},
		{"one string", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1,"groups":"x"}`, "groups", []string{"x"}, ""},
		{"fractional dates", `{"iss":"i","sub":"s","aud":"a","exp":2.5,"iat":1.25}`, "groups", nil, ""},
		{"nested path", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1,"realm_access":{"roles":["r"]}}`, "realm_access.roles", []string{"r"}, ""},
		{"dotted name wins", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1,"a.b":["flat"],"a":{"b":["nested"]}}`, "a.b", []string{"flat"}, ""},
		{"null groups", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1,"groups":null}`, "groups", nil, ""},
		{"groups of numbers", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1,"groups":[1]}`, "groups", nil, "neither"},
		{"no sub", `{"iss":"i","aud":"a","exp":2,"iat":1}`, "groups", nil, "no sub"},
		{"no exp", `{"iss":"i","sub":"s","aud":"a","iat":1}`, "groups", nil, "no exp"},
		{"exp as string", `{"iss":"i","sub":"s","aud":"a","exp":"2","iat":1}`, "groups", nil, "not a date"},
		{"aud object", `{"iss":"i","sub":"s","aud":{},"exp":2,"iat":1}`, "groups", nil, "aud claim"},
		{"not an object", `[1]`, "groups", nil, "claims"},
		{"trailing data", `{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1}{}`, "groups", nil, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseClaims([]byte(tc.payload))
			var g []string
			if err == nil {
				g, err = groupsFrom(c.Raw, tc.claim)
			}
			if tc.err != "" {
				if err == nil || !errors.Is(err, errMalformed) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want malformed with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(g, ",") != strings.Join(tc.groups, ",") {
				t.Fatalf("groups = %q, want %q", g, tc.groups)
			}
		})
	}
}

func TestParseJWTRefuses(t *testing.T) {
	h := func(s string) string { return b64(s) }
	for _, tc := range []struct{ name, tok, err string }{
		{"empty", "", "parts"},
		{"five parts (JWE)", "a.b.c.d.e", "parts"},
		{"padding", h(`{"alg":"RS256"}`) + "=.e30.AA", "base64url"},
		{"no alg", h(`{"kid":"k"}`) + ".e30.AA", "no alg"},
		{"crit", h(`{"alg":"RS256","crit":["exp"]}`) + ".e30.AA", "critical"},
		{"no signature", h(`{"alg":"RS256"}`) + ".e30.", "unsigned"},
		{"huge", strings.Repeat("a", maxIDToken+1), "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseJWT(tc.tok); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func b64(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// FuzzParseIDToken: the parser of what the provider's token endpoint
// sends never panics, and what it accepts has the required claims.
func FuzzParseIDToken(f *testing.F) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	claims := map[string]any{"iss": "https://idp", "sub": "u", "aud": []string{"cascade", "x"}, "azp": "cascade",
		"exp": 1e9, "iat": 1e9, "nonce": "n", "groups": []string{"a"}, "realm_access": map[string]any{"roles": []string{"r"}}}
	t := &testing.T{}
	f.Add(joseToken(t, jose.RS256, rsaKey, "k", claims))
	f.Add(joseToken(t, jose.ES256, p256, "e", claims))
	f.Add(b64(`{"alg":"none"}`) + "." + b64(`{"iss":1}`) + ".AA")
	f.Add("a.b.c")
	keys, _, _ := parseJWKS(joseJWKS(t, map[string]crypto.Signer{"k": rsaKey, "e": p256}))
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := parseJWT(tok)
		if err != nil {
			return
		}
		for _, k := range keys {
			verifySignature(p, k)
		}
		c, err := parseClaims(p.payload)
		if err != nil {
			return
		}
		if c.Subject == "" || c.Raw["iss"] == nil || c.Raw["exp"] == nil || c.Raw["iat"] == nil || c.Raw["aud"] == nil {
			t.Fatalf("accepted claims without sub, exp or aud: %s", p.payload)
		}
		groupsFrom(c.Raw, "groups")
		groupsFrom(c.Raw, "realm_access.roles")
		checkClaims(c, tokenExpect{Issuer: "https://idp", ClientID: "cascade", Nonce: "n", Now: time.Unix(1e9, 0)})
	})
}
