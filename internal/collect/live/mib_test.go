package live

import (
	"encoding/binary"
	"slices"
	"strconv"
	"testing"
)

// Recorded-layout tables, written field by field as the IP Helper
// documentation lays them out (MIB_TCPTABLE_OWNER_PID and friends):
// DWORDs little-endian, addresses and ports in network order.
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func port(p uint16) []byte { return []byte{byte(p >> 8), byte(p), 0xAA, 0xBB} } // high bytes are junk

func table(rows ...[]byte) []byte {
	b := le32(uint32(len(rows)))
	for _, r := range rows {
		b = append(b, r...)
	}
	return b
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

func TestDecodeMIB(t *testing.T) {
	v6 := func(last byte) []byte { a := make([]byte, 16); a[0], a[1], a[15] = 0x20, 0x01, last; return a }
	mapped := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 9}
	tests := []struct {
		proto string
		b     []byte
		want  []string
	}{
		{"tcp", table(
			cat(le32(2), []byte{0, 0, 0, 0}, port(445), []byte{0, 0, 0, 0}, port(0), le32(4)),
			cat(le32(5), []byte{10, 0, 0, 7}, port(51000), []byte{203, 0, 113, 9}, port(443), le32(6120)),
		), []string{"tcp 0.0.0.0:445 0.0.0.0:0 listen 4", "tcp 10.0.0.7:51000 203.0.113.9:443 established 6120"}},
		{"tcp6", table(
			cat(v6(1), le32(0), port(3389), v6(2), le32(0), port(50123), le32(11), le32(900)),
			cat(mapped, le32(0), port(80), make([]byte, 16), le32(0), port(0), le32(99), le32(1)),
		), []string{"tcp6 [2001::1]:3389 [2001::2]:50123 time-wait 900", "tcp6 192.0.2.9:80 [::]:0 state-99 1"}},
		{"udp", table(cat([]byte{127, 0, 0, 1}, port(53), le32(2000))), []string{"udp 127.0.0.1:53 invalid AddrPort  2000"}},
		{"udp6", table(cat(v6(3), le32(7), port(5353), le32(3000))), []string{"udp6 [2001::3]:5353 invalid AddrPort  3000"}},
		{"udp", le32(0), nil},
	}
	for _, tt := range tests {
		socks, err := decodeMIB(tt.b, tt.proto)
		if err != nil {
			t.Fatalf("%s: %v", tt.proto, err)
		}
		var got []string
		for _, s := range socks {
			got = append(got, s.Proto+" "+s.Local.String()+" "+s.Remote.String()+" "+s.State+" "+strconv.Itoa(s.PID))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.proto, got, tt.want)
		}
	}
}

func TestDecodeMIBLies(t *testing.T) {
	row := make([]byte, tcpRowSize)
	tests := []struct {
		name, proto string
		b           []byte
	}{
		{"empty", "tcp", nil},
		{"three bytes", "tcp", []byte{1, 0, 0}},
		{"count beyond buffer", "tcp", cat(le32(2), row)},
		{"huge count", "tcp6", cat(le32(0xFFFFFFFF), row)},
		{"unknown protocol", "sctp", le32(0)},
	}
	for _, tt := range tests {
		if _, err := decodeMIB(tt.b, tt.proto); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
