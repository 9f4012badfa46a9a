package execart

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// msxcaAlphabet is the LZXPRESS Huffman example of [MS-XCA] §3.2 that
// encodes "abcdefghijklmnopqrstuvwxyz": a 256-byte code-length table with
// lengths only for 'a'..'z' and symbol 256, then the bit stream.
func msxcaAlphabet() []byte {
	table := make([]byte, 256)
	copy(table[48:], mustHex("50555555555555555555554544 04"))
	table[128] = 4
	return append(table, mustHex("d8523ed794115be9195ff9d67cdf8d0400000000")...)
}

// msxcaABC is the [MS-XCA] §3.2 "abc" example: three literals and one
// distance-3 match, here with the match extended to make n bytes in all
// (the spec's own example is n = 300).
func msxcaABC(n int) []byte {
	table := make([]byte, 256)
	table[48], table[49], table[128], table[143] = 0x30, 0x23, 2, 0x20
	var ext []byte
	switch m := n - 6; {
	case m < 270:
		ext = []byte{byte(m - 15)}
	case m <= 0xffff:
		ext = []byte{0xff, byte(m), byte(m >> 8)}
	default:
		ext = []byte{0xff, 0, 0, byte(m), byte(m >> 8), byte(m >> 16), byte(m >> 24)}
	}
	return append(append(table, 0xa8, 0xdc, 0, 0), ext...)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestDecompressHuffmanMSXCAExamples(t *testing.T) {
	got, err := DecompressHuffman(msxcaAlphabet(), 26)
	if err != nil || string(got) != "abcdefghijklmnopqrstuvwxyz" {
		t.Errorf("alphabet example: %q, %v", got, err)
	}
	for _, n := range []int{24, 273, 300, 65535, 65536, 65537, 196608} {
		got, err := DecompressHuffman(msxcaABC(n), n)
		want := bytes.Repeat([]byte("abc"), n/3+1)[:n]
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("abc example, %d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
}

func TestDecompressHuffmanRejects(t *testing.T) {
	abc := msxcaABC(300)
	cases := []struct {
		name string
		in   []byte
		size int
		want string
	}{
		{"empty table", append(make([]byte, 256), 0, 0, 0, 0), 1, "no codes"},
		{"over-subscribed", append(bytes.Repeat([]byte{0x11}, 256), 0, 0, 0, 0), 1, "over-subscribed"},
		{"size lies", abc, 299, "past the declared size"},
		{"huge size", abc, MaxDecompressed + 1, "outside"},
		{"truncated", abc[:len(abc)-2], 300, "truncated"},
		{"bad extended length", append(append([]byte{}, abc[:len(abc)-2]...), 0x0e, 0), 300, "under 15"},
	}
	for _, c := range cases {
		_, err := DecompressHuffman(c.in, c.size)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	for i := range len(abc) {
		if _, err := DecompressHuffman(abc[:i], 300); err == nil {
			t.Errorf("abc truncated to %d bytes decoded without error", i)
		}
	}
}
