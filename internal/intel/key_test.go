package intel

import "testing"

func TestSignerKeysDiffer(t *testing.T) {
	a := Indicator{ID: "a", Type: Signer, Signer: &SignerSpec{Subject: "3CX Ltd"}}
	b := Indicator{ID: "b", Type: Signer, Signer: &SignerSpec{Serial: "1b6611df9c9a4d6ecc8ed50c9b917873"}}
	c := Indicator{ID: "c", Type: Signer, Signer: &SignerSpec{Serial: "1B6611DF9C9A4D6ECC8ED50C9B917873"}}
	if a.Key() == b.Key() {
		t.Error("different signer specs share a key")
	}
	if b.Key() != c.Key() {
		t.Error("serials differing only in case have different keys")
	}
	in := &Intel{Indicators: []Indicator{a}}
	in.Merge(&Intel{Indicators: []Indicator{b, c}})
	if len(in.Indicators) != 2 {
		t.Errorf("merge kept %d signer indicators, want 2", len(in.Indicators))
	}
}
