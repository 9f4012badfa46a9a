package collect

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestSniff(t *testing.T) {
	pe := make([]byte, 0x90)
	copy(pe, "MZ")
	pe[0x3c] = 0x80
	copy(pe[0x80:], "PE\x00\x00")
	tests := []struct {
		in   []byte
		want string
	}{
		{pe, snapshot.TypePE},
		{pe[:0x82], snapshot.TypeOther},
		{[]byte("MZ DOS program"), snapshot.TypeOther},
		{[]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0}, snapshot.TypeOLE},
		{[]byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, snapshot.TypeMachO},
		{[]byte{0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 18}, snapshot.TypeMachO},
		{[]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, snapshot.TypeMachO},
		{[]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}, snapshot.TypeOther},
		{[]byte("\x7fELF\x02\x01"), snapshot.TypeELF},
		{[]byte("PK\x03\x04"), snapshot.TypeZIP},
		{[]byte("#!/bin/sh\n"), snapshot.TypeScript},
		{nil, snapshot.TypeOther},
	}
	for _, tt := range tests {
		if got := Sniff(tt.in, nil); got != tt.want {
			t.Errorf("Sniff(% x) = %q, want %q", tt.in[:min(len(tt.in), 8)], got, tt.want)
		}
	}
}
