package fleet

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// signedHunt is a request signed with a key from a fixed seed.
func signedHunt(t testing.TB) (YARAHuntRequest, ed25519.PublicKey) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	rules := []YARAHuntRule{{Indicator: "ind-a", Text: "rule a { condition: true }"}, {Indicator: "yara-hunt", Text: "rule b { condition: false }"}}
	r := YARAHuntRequest{ID: 42, Created: time.Date(2026, 12, 7, 9, 0, 0, 123e6, time.UTC), Rules: rules,
		Fingerprint: YARARulesFingerprint(rules), BudgetSeconds: 1800, KeyID: KeyID(pub)}
	r.Signature = ed25519.Sign(priv, r.SignedBytes())
	return r, pub
}

// TestYARAHuntSignature: every field an agent acts on is signed, and the
// length prefixes keep bytes from moving between fields unnoticed.
func TestYARAHuntSignature(t *testing.T) {
	good, pub := signedHunt(t)
	if err := good.Verify(pub); err != nil {
		t.Fatalf("the genuine request: %v", err)
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	refit := func(r *YARAHuntRequest) { r.Fingerprint = YARARulesFingerprint(r.Rules) }
	tests := []struct {
		name   string
		change func(r *YARAHuntRequest)
		key    ed25519.PublicKey
	}{
		{"id", func(r *YARAHuntRequest) { r.ID++ }, pub},
		{"created", func(r *YARAHuntRequest) { r.Created = r.Created.Add(time.Millisecond) }, pub},
		{"budget", func(r *YARAHuntRequest) { r.BudgetSeconds = 1 << 30 }, pub},
		{"rule text", func(r *YARAHuntRequest) { r.Rules[0].Text = "rule a { condition: false }"; refit(r) }, pub},
		{"namespace", func(r *YARAHuntRequest) { r.Rules[1].Indicator = "ind-a"; refit(r) }, pub},
		{"bytes moved between namespace and text", func(r *YARAHuntRequest) {
			r.Rules[0].Indicator, r.Rules[0].Text = "ind-arule a", " { condition: true }"
			refit(r)
		}, pub},
		{"rule dropped", func(r *YARAHuntRequest) { r.Rules = r.Rules[:1]; refit(r) }, pub},
		{"fingerprint only", func(r *YARAHuntRequest) { r.Fingerprint = "00" }, pub},
		{"rules only", func(r *YARAHuntRequest) { r.Rules[0].Text = "rule a { condition: false }" }, pub},
		{"signature truncated", func(r *YARAHuntRequest) { r.Signature = r.Signature[:10] }, pub},
		{"no signature", func(r *YARAHuntRequest) { r.Signature = nil }, pub},
		{"another server's key", func(*YARAHuntRequest) {}, other},
		{"another server's key, this key id", func(r *YARAHuntRequest) { r.KeyID = KeyID(other) }, other},
		{"no key held", func(*YARAHuntRequest) {}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := signedHunt(t)
			tc.change(&r)
			if err := r.Verify(tc.key); !errors.Is(err, ErrHuntSignature) {
				t.Errorf("verified: %v", err)
			}
		})
	}
}

// FuzzYARAHuntRequest: whatever arrives as a hunt request, Verify does
// not panic and accepts only the request the key signed.
func FuzzYARAHuntRequest(f *testing.F) {
	good, pub := signedHunt(f)
	b, _ := json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"id":42,"rules":[{"indicator":"","text":""}],"signature":"AAAA"}`))
	f.Add([]byte(`{}`))
	want := good.SignedBytes()
	f.Fuzz(func(t *testing.T, data []byte) {
		var r YARAHuntRequest
		if json.Unmarshal(data, &r) != nil {
			return
		}
		if err := r.Verify(pub); err == nil && !bytes.Equal(r.SignedBytes(), want) {
			t.Fatalf("a request the key did not sign verified: %s", data)
		}
	})
}
