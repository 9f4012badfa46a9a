package netart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestHostsFixture(t *testing.T) {
	fixture := browserFixture(t)
	cases := []struct {
		dir, os, rel, source string
		want                 []string // "domain ip"
	}{
		{"windows", "windows", "Windows/System32/drivers/etc/hosts", `C:\Windows\System32\drivers\etc\hosts`,
			[]string{"msstorageboxes.com 0.0.0.0", "intranet.example.com 10.20.30.40", "intranet 10.20.30.40"}},
		{"linux", "linux", "etc/hosts", "/etc/hosts",
			[]string{"buildhost 127.0.1.1", "mirror.example.net 192.0.2.7"}},
		{"macos", "macos", "private/etc/hosts", "/private/etc/hosts",
			[]string{"msstorageboxes.com 0.0.0.0"}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			env := testEnv(t, filepath.Join(fixture, tc.dir), tc.os)
			sink, err := collectOne(t, NewHosts(), env, tc.rel)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range sink.artifacts {
				if a.Kind != snapshot.ArtifactHostsEntry || a.Source != tc.source {
					t.Errorf("kind/source = %s/%s", a.Kind, a.Source)
				}
				got = append(got, a.Domain+" "+a.IP)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHostsWantsPath(t *testing.T) {
	cases := map[string]bool{
		"etc/hosts":                              true,
		"private/etc/hosts":                      true,
		"Windows/System32/drivers/etc/hosts":     true,
		"WINDOWS/system32/Drivers/ETC/HOSTS":     true,
		"etc/hosts.allow":                        false,
		"home/u/etc/hosts":                       false,
		"Windows/System32/drivers/etc/hosts.bak": false,
		"Windows/SysWOW64/drivers/etc/hosts":     false,
	}
	h := NewHosts()
	for rel, want := range cases {
		if got := h.WantsPath(nil, rel); got != want {
			t.Errorf("WantsPath(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestParseHosts(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"comment and blank", "# 1.2.3.4 evil.example\n\n   \n", nil},
		{"inline comment", "1.2.3.4 a.example #b.example\n", []string{"a.example 1.2.3.4"}},
		{"many names, case, dot", "10.0.0.1\tA.Example. b\r\n", []string{"a.example 10.0.0.1", "b 10.0.0.1"}},
		{"utf-8 bom", "\ufeff0.0.0.0 bom.example\n", []string{"bom.example 0.0.0.0"}},
		{"no newline at end", "0.0.0.0 sink.example", []string{"sink.example 0.0.0.0"}},
		{"bad address", "999.1.1.1 x.example\nexample.com 1.2.3.4\n", nil},
		{"address only", "1.2.3.4\n", nil},
		{"ipv6", "2001:db8::1 v6.example\n", []string{"v6.example 2001:db8::1"}},
		{"standard lines", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\nfe80::1%lo0 localhost\n" +
			"fe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\n255.255.255.255 broadcasthost\n" +
			"127.0.0.1 localhost.localdomain localhost4\n::ffff:127.0.0.1 localhost\n", nil},
		{"localhost redirected", "203.0.113.9 localhost\n", []string{"localhost 203.0.113.9"}},
		{"loopback, other name", "127.0.0.1 telemetry.example\n", []string{"telemetry.example 127.0.0.1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := parseHosts(context.Background(), strings.NewReader(tc.in), maxHostsEntries)
			if err != nil {
				t.Fatal(err)
			}
			if got := entryStrings(entries); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func entryStrings(entries []hostsEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Domain+" "+e.IP)
	}
	return out
}

func TestParseHostsCaps(t *testing.T) {
	long := "1.1.1.1 first.example\n" + strings.Repeat("x", maxHostsLine+1) + "\n2.2.2.2 never.example\n"
	entries, err := parseHosts(context.Background(), strings.NewReader(long), maxHostsEntries)
	if !errors.Is(err, errHostsLineTooBig) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("long line: err = %v", err)
	}
	if got := entryStrings(entries); !reflect.DeepEqual(got, []string{"first.example 1.1.1.1"}) {
		t.Errorf("long line: kept %q", got)
	}

	var many bytes.Buffer
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&many, "0.0.0.0 h%d.example h%d.example\n", 2*i, 2*i+1)
	}
	entries, err = parseHosts(context.Background(), &many, 7)
	if err == nil || !strings.Contains(err.Error(), "more than 7 entries") || len(entries) != 7 || entries[6].Domain != "h6.example" {
		t.Errorf("many entries: %d entries, err %v", len(entries), err)
	}
}

func TestHostsSizeCap(t *testing.T) {
	data := []byte("0.0.0.0 kept.example\n" + strings.Repeat("#"+strings.Repeat(" ", 1022)+"\n", maxHostsBytes/1024+1))
	env := testEnv(t, t.TempDir(), "linux")
	env.FS = fstest.MapFS{"etc/hosts": {Data: data}}
	sink, err := collectOne(t, NewHosts(), env, "etc/hosts")
	if !errors.Is(err, errHostsTooBig) || !strings.Contains(err.Error(), "etc/hosts") {
		t.Errorf("err = %v, want the size cap naming the file", err)
	}
	if len(sink.artifacts) != 1 {
		t.Errorf("entries before the cap: %d, want 1", len(sink.artifacts))
	}
}

func FuzzHostsFile(f *testing.F) {
	for _, seed := range []string{
		"127.0.0.1 localhost\n::1 localhost ip6-localhost\n0.0.0.0 msstorageboxes.com\n",
		"# comment\r\n10.20.30.40\tIntranet.Example.COM. intranet\r\n",
		"fe80::1%lo0 localhost\n255.255.255.255 broadcasthost\n",
		"1.2.3.4", "\x00\xff 1.2.3.4", "::ffff:1.2.3.4 a\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseHosts(context.Background(), bytes.NewReader(data), maxHostsEntries)
		if err != nil && len(data) <= maxHostsLine {
			t.Fatalf("error on a small input: %v", err)
		}
		for _, e := range entries {
			if e.Domain == "" || e.Domain != strings.ToLower(e.Domain) ||
				strings.ContainsAny(e.Domain, " \t\r\n#") || strings.HasSuffix(e.Domain, ".") {
				t.Fatalf("bad domain %q", e.Domain)
			}
			if _, err := netip.ParseAddr(e.IP); err != nil {
				t.Fatalf("bad address %q: %v", e.IP, err)
			}
		}
	})
}
