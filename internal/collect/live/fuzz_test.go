package live

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseNet(f *testing.F) {
	for _, name := range []string{"net_tcp", "net_tcp6", "net_udp"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, proto := range []string{"tcp", "udp6"} {
			socks, bad := parseNet(b, proto)
			if len(socks) > maxSockets || bad < 0 {
				t.Fatalf("%d sockets, %d bad", len(socks), bad)
			}
			for _, s := range socks {
				if !s.Local.IsValid() || !s.Remote.IsValid() || s.Local.Addr().Is4In6() {
					t.Fatalf("bad address %v %v", s.Local, s.Remote)
				}
			}
		}
	})
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (sleep) S 7 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 123456 1000 200"))
	f.Add([]byte("1 ()) ) R 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStat(b)
		if err == nil && (!utf8.ValidString(s.Comm) || strings.ContainsRune(s.Comm, 0) || s.PPID < 0) {
			t.Fatalf("bad record %+v", s)
		}
		c := parseCmdline(b)
		if !utf8.ValidString(c) || strings.ContainsRune(c, 0) || len(c) > maxCmdline+len("…") {
			t.Fatalf("cmdline %q", c)
		}
		if len(parseMaps(b, "")) > maxModules {
			t.Fatal("modules over the cap")
		}
	})
}

func FuzzDecodeMIB(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 5, 0, 0, 0, 10, 0, 0, 7, 0, 80, 0, 0, 1, 2, 3, 4, 1, 187, 0, 0, 9, 0, 0, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		protos := []string{"tcp", "tcp6", "udp", "udp6"}
		socks, err := decodeMIB(b, protos[int(which)%len(protos)])
		if err == nil && 4+len(socks)*udpRowSize > len(b) {
			t.Fatalf("%d rows from %d bytes", len(socks), len(b))
		}
	})
}
