package pftest

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/execart"
)

func TestCompressRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 150000)
	for i := range random {
		random[i] = byte(rng.IntN(7))
	}
	for _, in := range [][]byte{[]byte("a"), []byte("abcabcabcabc"), bytes.Repeat([]byte("x"), 200000), random} {
		got, err := execart.Decompress(CompressMAM(in))
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("%d bytes: round trip gave %d bytes, %v", len(in), len(got), err)
		}
	}
}
