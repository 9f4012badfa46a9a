package live

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Caps on what one process may put in its record.
const (
	maxCmdline = 4096 // bytes of a command line kept
	maxModules = 256  // mapped executable files listed per process
)

// procStat is what a /proc/[pid]/stat line gives.
type procStat struct {
	Comm      string
	State     byte
	PPID      int
	Flags     uint64 // PF_* (field 9)
	StartTick uint64 // clock ticks after boot
}

// parseStat reads /proc/[pid]/stat: "pid (comm) state ppid … starttime
// …". The comm may hold spaces and parentheses, so it ends at the last
// ')'; starttime is field 22.
func parseStat(b []byte) (procStat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("stat: no (comm)")
	}
	comm := strings.ReplaceAll(string(b[open+1:end]), "\x00", "") // a record field never holds NUL
	s := procStat{Comm: strings.ToValidUTF8(comm, "\uFFFD")}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("stat: %d fields after comm, want 20 or more", len(f))
	}
	s.State = f[0][0]
	ppid, err := strconv.Atoi(f[1])
	if err != nil || ppid < 0 {
		return procStat{}, fmt.Errorf("stat: ppid %q", f[1])
	}
	s.PPID = ppid
	if s.Flags, err = strconv.ParseUint(f[6], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("stat: flags %q", f[6])
	}
	if s.StartTick, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("stat: starttime %q", f[19])
	}
	return s, nil
}

// parseStatusUID returns the real uid from /proc/[pid]/status.
func parseStatusUID(b []byte) (int, bool) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("Uid:"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) == 0 {
			return 0, false
		}
		uid, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			return 0, false
		}
		return int(uid), true
	}
	return 0, false
}

// parseCmdline joins the NUL-separated arguments of /proc/[pid]/cmdline
// with spaces, capped at maxCmdline bytes (a cut is marked "…").
func parseCmdline(b []byte) string {
	cut := len(b) > maxCmdline
	if cut {
		b = b[:maxCmdline]
	}
	b = bytes.TrimRight(b, "\x00")
	s := strings.ToValidUTF8(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})), "\uFFFD")
	// Each invalid byte became a three-byte U+FFFD, so the text can have
	// grown past the cap: cut again, on a rune boundary.
	if len(s) > maxCmdline {
		n := maxCmdline
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	if cut {
		s += "…"
	}
	return s
}

// parseMaps lists the files mapped executable in /proc/[pid]/maps, once
// each, in order of first mapping, without image, capped at maxModules.
// A deleted file's " (deleted)" suffix is kept: it is a fact.
func parseMaps(b []byte, image string) []string {
	var out []string
	seen := map[string]bool{image: true}
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) < 6 || len(f[1]) < 3 || f[1][2] != 'x' || f[5][0] != '/' {
			continue
		}
		// The path is everything after the fifth field (it may hold spaces).
		p := string(bytes.TrimSpace(line[bytes.Index(line, f[5]):]))
		p = strings.ToValidUTF8(p, "\uFFFD")
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		if len(out) == maxModules {
			break
		}
	}
	return out
}

// socket is one row of /proc/net/{tcp,tcp6,udp,udp6}.
type socket struct {
	Proto         string
	Local, Remote netip.AddrPort
	State         string
	Inode         uint64
}

// tcpStates names the kernel's TCP states (include/net/tcp_states.h).
var tcpStates = [...]string{1: "established", 2: "syn-sent", 3: "syn-recv", 4: "fin-wait1",
	5: "fin-wait2", 6: "time-wait", 7: "close", 8: "close-wait", 9: "last-ack", 10: "listen",
	11: "closing", 12: "new-syn-recv"}

// maxSockets bounds the rows read from one table.
const maxSockets = 1 << 16

// parseNet reads a /proc/net socket table. Rows that do not parse are
// counted in bad; the header is skipped.
func parseNet(b []byte, proto string) (out []socket, bad int) {
	first := true
	for line := range bytes.Lines(b) {
		if first {
			first = false
			continue
		}
		s, err := parseNetLine(line, proto)
		if err != nil {
			bad++
			continue
		}
		if len(out) == maxSockets {
			bad++
			continue
		}
		out = append(out, s)
	}
	return out, bad
}

func parseNetLine(line []byte, proto string) (socket, error) {
	f := strings.Fields(string(line))
	if len(f) < 10 {
		return socket{}, errors.New("short row")
	}
	s := socket{Proto: proto}
	var err error
	if s.Local, err = parseHexAddr(f[1]); err != nil {
		return socket{}, err
	}
	if s.Remote, err = parseHexAddr(f[2]); err != nil {
		return socket{}, err
	}
	st, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil {
		return socket{}, fmt.Errorf("state %q", f[3])
	}
	s.State = stateName(proto, int(st))
	if s.Inode, err = strconv.ParseUint(f[9], 10, 64); err != nil {
		return socket{}, fmt.Errorf("inode %q", f[9])
	}
	return s, nil
}

func stateName(proto string, st int) string {
	if strings.HasPrefix(proto, "udp") { // UDP reuses the numbers: 7 is unconnected
		switch st {
		case 1:
			return "established"
		case 7:
			return ""
		}
	}
	if st > 0 && st < len(tcpStates) {
		return tcpStates[st]
	}
	return "state-" + strconv.Itoa(st)
}

// parseHexAddr reads "0100007F:0016": the address as the kernel holds it,
// in 32-bit words of host byte order, and the port in hex.
func parseHexAddr(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok || len(p) != 4 || (len(a) != 8 && len(a) != 32) {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	raw, err := hex.DecodeString(a)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q", s)
	}
	for i := 0; i < len(raw); i += 4 { // each word back to network order
		binary.BigEndian.PutUint32(raw[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// socketInode reads an fd link "socket:[12345]".
func socketInode(link string) (uint64, bool) {
	rest, ok := strings.CutPrefix(link, "socket:[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, false
	}
	n, err := strconv.ParseUint(rest[:len(rest)-1], 10, 64)
	return n, err == nil
}

// parsePasswd maps uids to names from /etc/passwd.
func parsePasswd(b []byte) map[int]string {
	m := map[int]string{}
	for line := range bytes.Lines(b) {
		f := strings.Split(strings.TrimRight(string(line), "\r\n"), ":")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if uid, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := m[uid]; !dup {
				m[uid] = f[0]
			}
		}
	}
	return m
}
