package intel

import (
	"encoding/hex"
	"testing"
)

func TestHashListSharesRepeatedComments(t *testing.T) {
	h := NewHashList(MD5, "src")
	entries := []struct{ digest, comment string }{
		{"00000000000000000000000000000003", "block A"},
		{"00000000000000000000000000000001", "block A"},
		{"00000000000000000000000000000002", "block B"},
		{"00000000000000000000000000000004", "block A"},
	}
	for i, e := range entries {
		if err := h.AddBytes([]byte(e.digest), 90, []byte(e.comment), i+1); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(h.text); got != "block Ablock Bblock A" {
		t.Errorf("comment text %q: consecutive repeats should be stored once", got)
	}
	h.Seal()
	for i, e := range entries {
		raw, _ := hex.DecodeString(e.digest)
		j, ok := h.Lookup(raw)
		if !ok {
			t.Fatalf("%s not found", e.digest)
		}
		if ind := h.Indicator(j); ind.Description != e.comment || ind.Score != 90 || h.Line(j) != i+1 {
			t.Errorf("%s: %+v line %d", e.digest, ind, h.Line(j))
		}
	}
	if err := h.AddBytes([]byte("0011"), 1, nil, 9); err == nil {
		t.Error("short digest accepted")
	}
	if err := h.Add("zz000000000000000000000000000000", 1, "", 9); err == nil || h.Len() != 4 {
		t.Errorf("non-hex digest: %v, %d entries", err, h.Len())
	}
}
