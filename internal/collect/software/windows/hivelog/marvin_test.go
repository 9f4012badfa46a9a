package hivelog

import (
	"encoding/hex"
	"testing"
)

// TestMarvin32 checks published Marvin32 test vectors: the .NET runtime's
// MarvinTests (seeds 0x004FB61A001BDBCC and 0x804FB61A001BDBCC), and
// SymCrypt's self-test and its long-string case (lib/marvin32.c, as quoted
// by microsoft/security-utilities' MarvinTests). Seeds are 64-bit integers,
// as the registry's is: 0x82EF4D887A4E55C5 (yarp's MARVIN32_SEED); logs
// written by Windows are checked in TestWindowsLogs.
func TestMarvin32(t *testing.T) {
	tests := []struct {
		seed uint64
		in   string
		want uint64
	}{
		{0xD53CD9CECD0893B7, hex.EncodeToString([]byte("abc")), 0x22C74339492769BF},
		{0x0DDDDEEEEFFFF000, hex.EncodeToString([]byte("abcdefghijklmnopqrstuvwxyz")), 0xA128EB7E7260ACA2},
		{0x004FB61A001BDBCC, "", 0x30ED35C100CD3C7D},
		{0x004FB61A001BDBCC, "af", 0x48E73FC77D75DDC1},
		{0x004FB61A001BDBCC, "e70f", 0xB5F6E1FC485DBFF8},
		{0x004FB61A001BDBCC, "37f495", 0xF0B07C789B8CF7E8},
		{0x004FB61A001BDBCC, "8642dc59", 0x7008F2E87E9CF556},
		{0x004FB61A001BDBCC, "153fb79826", 0xE6C08C6DA2AFA997},
		{0x004FB61A001BDBCC, "0932e6246c47", 0x6F04BF1A5EA24060},
		{0x004FB61A001BDBCC, "ab427ea8d10fc7", 0xE11847E4F0678C41},
		{0x804FB61A001BDBCC, "", 0x10A9D5D3996FD65D},
		{0x804FB61A001BDBCC, "af", 0x68201F91960EBF91},
		{0x804FB61A001BDBCC, "e70f", 0x64B581631F6AB378},
		{0x804FB61A001BDBCC, "37f495", 0xE1F2DFA6E5131408},
		{0x804FB61A001BDBCC, "8642dc59", 0x36289D9654FB49F6},
		{0x804FB61A001BDBCC, "153fb79826", 0x0A06114B13464DBD},
	}
	for _, tt := range tests {
		in, err := hex.DecodeString(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := marvin32(tt.seed, in); got != tt.want {
			t.Errorf("marvin32(%#x, %q) = %#x, want %#x", tt.seed, tt.in, got, tt.want)
		}
	}
}
