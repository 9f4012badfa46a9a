package execart_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/execart/pftest"
	"github.com/cascade-ir/cascade/internal/testutil"
)

var (
	ran1 = time.Date(2022, 4, 14, 8, 0, 0, 0, time.UTC)
	ran2 = time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
)

func sample(version int) pftest.File {
	files := []string{`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\WINDOWS\SYSTEM32\NTDLL.DLL`,
		`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\PROGRAM FILES\X_TRADER\X_TRADER.EXE`}
	for i := range 40 { // enough repetition for the compressor's matches
		files = append(files, fmt.Sprintf(`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\PROGRAM FILES\X_TRADER\LIB%02d.DLL`, i))
	}
	return pftest.File{Version: version, Executable: "X_TRADER.EXE", Hash: 0x1A2B3C4D, RunCount: 3,
		RunTimes: []time.Time{ran1, ran2}, Files: files,
		Volumes: []pftest.Volume{{DevicePath: `\VOLUME{01d2c0a5e8f0a1b2-1234abcd}`, Serial: 0x1234ABCD,
			Created: time.Date(2021, 6, 1, 10, 0, 0, 0, time.UTC)}}}
}

// TestParseAgainstSccainfo writes a Prefetch file of every version (and a
// compressed one), reads it with libscca's sccainfo, an independent
// implementation, and checks that Parse reports the same facts.
func TestParseAgainstSccainfo(t *testing.T) {
	testutil.NeedTools(t, "sccainfo")
	for _, c := range []struct {
		version         int
		compress, short bool
	}{{17, false, false}, {23, false, false}, {26, false, false}, {30, false, false}, {30, true, false},
		{30, true, true}, {31, true, false}} {
		t.Run(fmt.Sprintf("v%d-compressed=%v-short=%v", c.version, c.compress, c.short), func(t *testing.T) {
			f := sample(c.version)
			f.Short = c.short
			b := f.Bytes()
			if c.compress {
				b = pftest.CompressMAM(b)
			}
			file := filepath.Join(t.TempDir(), "X_TRADER.EXE-1A2B3C4D.pf")
			shown := b
			if c.version == 31 {
				// libscca 20200717 predates Windows 11's version 31, whose
				// layout is version 30's: show it the same file as 30.
				f := sample(c.version)
				f.Version = 30
				shown = pftest.CompressMAM(f.Bytes())
			}
			if err := os.WriteFile(file, shown, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("sccainfo", file).CombinedOutput()
			if err != nil {
				t.Fatalf("sccainfo: %v\n%s", err, out)
			}
			p, err := execart.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			want := fromSccainfo(string(out))
			if !strings.Contains(want, "ran Apr 14, 2022 08:00:00") || !strings.Contains(want, "X_TRADER.EXE") {
				t.Fatalf("sccainfo output not understood:\n%s", out)
			}
			if c.version == 31 {
				want = strings.Replace(want, "version 30", "version 31", 1)
			}
			if got := describe(p); got != want {
				t.Errorf("Parse says\n%s\nsccainfo says\n%s", got, want)
			}
		})
	}
}

// describe prints what both readers report, in sccainfo's terms.
func describe(p *execart.Prefetch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version %d\nhash 0x%08x\nexe %s\nruns %d\n", p.Version, p.Hash, p.Executable, p.RunCount)
	for _, t := range p.RunTimes {
		fmt.Fprintf(&b, "ran %s\n", t.Format("Jan 02, 2006 15:04:05"))
	}
	for _, f := range p.Files {
		fmt.Fprintf(&b, "file %s\n", f)
	}
	for _, v := range p.Volumes {
		fmt.Fprintf(&b, "volume %s 0x%08x %s\n", v.DevicePath, v.Serial, v.Created.Format("Jan 02, 2006 15:04:05"))
	}
	return b.String()
}

func fromSccainfo(out string) string {
	var b strings.Builder
	var dev, created string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndex(line, "\t: ")
		if i < 0 {
			continue
		}
		key, val := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+3:])
		val = strings.TrimSpace(strings.TrimSuffix(val, ".000000000 UTC"))
		switch {
		case key == "Format version":
			fmt.Fprintf(&b, "version %s\n", val)
		case key == "Prefetch hash":
			fmt.Fprintf(&b, "hash %s\n", val)
		case key == "Executable filename":
			fmt.Fprintf(&b, "exe %s\n", val)
		case key == "Run count":
			fmt.Fprintf(&b, "runs %s\n", val)
		case strings.HasPrefix(key, "Last run time") && !strings.HasPrefix(val, "Not set"):
			fmt.Fprintf(&b, "ran %s\n", val)
		case strings.HasPrefix(key, "Filename"):
			fmt.Fprintf(&b, "file %s\n", val)
		case key == "Device path":
			dev = val
		case key == "Creation time":
			created = val
		case key == "Serial number":
			fmt.Fprintf(&b, "volume %s %s %s\n", dev, val, created)
		}
	}
	return b.String()
}

// TestParseHostile: damaged and lying files give an error naming the
// stage, never a panic or an unbounded allocation.
func TestParseHostile(t *testing.T) {
	good := sample(30).Bytes()
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	put := func(b []byte, off int, v uint32) []byte {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "no SCCA signature"},
		{"truncated header", good[:100], "truncated"},
		{"unknown version", mut(func(b []byte) []byte { return put(b, 0, 99) }), "unknown format version 99"},
		{"huge metrics count", mut(func(b []byte) []byte { return put(b, 88, 0xffffffff) }), "over the cap"},
		{"metrics outside", mut(func(b []byte) []byte { return put(b, 84, 0x7ffffff0) }), "outside"},
		{"name outside", mut(func(b []byte) []byte { return put(b, int(le(b, 84))+16, 1<<30) }), "outside the"},
		{"huge volumes", mut(func(b []byte) []byte { return put(b, 112, 1<<20) }), "volumes"},
		{"MAM size lies", mut(func(b []byte) []byte { return put(pftest.CompressMAM(b), 4, uint32(len(b)+10)) }), "decompress"},
		{"MAM huge size", mut(func(b []byte) []byte { return put(pftest.CompressMAM(b), 4, 0xffffffff) }), "cap"},
		{"MAM other type", []byte("MAM\x02\x10\x00\x00\x00xxxx"), "type"},
		{"MAM truncated", pftest.CompressMAM(good)[:300], "truncated"},
	}
	for _, c := range cases {
		_, err := execart.Parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func le(b []byte, off int) uint32 {
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}
