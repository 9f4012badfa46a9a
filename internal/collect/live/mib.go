package live

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// The Windows IP Helper tables GetExtendedTcpTable and GetExtendedUdpTable
// return (iphlpapi, TCP_TABLE_OWNER_PID_ALL and UDP_TABLE_OWNER_PID): a
// DWORD count, then fixed-size rows of DWORDs and 16-byte IPv6 addresses.
// Addresses and ports are in network byte order (a port in the low two
// bytes of its DWORD); every other DWORD is little-endian. The decoders
// are plain Go so they are tested on recorded tables on any OS.
const (
	tcpRowSize  = 24 // MIB_TCPROW_OWNER_PID
	tcp6RowSize = 56 // MIB_TCP6ROW_OWNER_PID
	udpRowSize  = 12 // MIB_UDPROW_OWNER_PID
	udp6RowSize = 28 // MIB_UDP6ROW_OWNER_PID
)

// mibTCPStates names MIB_TCP_STATE values.
var mibTCPStates = [...]string{1: "close", 2: "listen", 3: "syn-sent", 4: "syn-recv",
	5: "established", 6: "fin-wait1", 7: "fin-wait2", 8: "close-wait", 9: "closing",
	10: "last-ack", 11: "time-wait", 12: "delete-tcb"}

// mibSocket is one decoded row with its owning process.
type mibSocket struct {
	socket
	PID int
}

// decodeMIB decodes a table of proto (tcp, tcp6, udp, udp6). A count the
// buffer cannot hold is an error: nothing of a lying table is trusted.
func decodeMIB(b []byte, proto string) ([]mibSocket, error) {
	size := map[string]int{"tcp": tcpRowSize, "tcp6": tcp6RowSize, "udp": udpRowSize, "udp6": udp6RowSize}[proto]
	if size == 0 {
		return nil, fmt.Errorf("mib: unknown protocol %q", proto)
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("mib %s: %d bytes, no count", proto, len(b))
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n > uint64(len(b)-4)/uint64(size) {
		return nil, fmt.Errorf("mib %s: %d rows do not fit in %d bytes", proto, n, len(b))
	}
	out := make([]mibSocket, 0, n)
	for i := range int(n) {
		out = append(out, decodeRow(b[4+i*size:4+(i+1)*size], proto))
	}
	return out, nil
}

func decodeRow(r []byte, proto string) mibSocket {
	le := binary.LittleEndian.Uint32
	s := mibSocket{socket: socket{Proto: proto}}
	switch proto {
	case "tcp":
		s.State = mibState(le(r[0:]))
		s.Local = addrPort4(r[4:8], r[8:10])
		s.Remote = addrPort4(r[12:16], r[16:18])
		s.PID = int(le(r[20:]))
	case "tcp6":
		s.Local = addrPort6(r[0:16], r[20:22])
		s.Remote = addrPort6(r[24:40], r[44:46])
		s.State = mibState(le(r[48:]))
		s.PID = int(le(r[52:]))
	case "udp":
		s.Local = addrPort4(r[0:4], r[4:6])
		s.PID = int(le(r[8:]))
	case "udp6":
		s.Local = addrPort6(r[0:16], r[20:22])
		s.PID = int(le(r[24:]))
	}
	return s
}

func mibState(v uint32) string {
	if v > 0 && v < uint32(len(mibTCPStates)) {
		return mibTCPStates[v]
	}
	return fmt.Sprintf("state-%d", v)
}

func addrPort4(a, p []byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(a)), binary.BigEndian.Uint16(p))
}

func addrPort6(a, p []byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte(a)).Unmap(), binary.BigEndian.Uint16(p))
}
