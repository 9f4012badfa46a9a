package sigbase

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

// lookup finds a digest in the loaded lists and returns its indicator.
func lookup(t *testing.T, in *intel.Intel, digest string) (intel.Indicator, int, bool) {
	t.Helper()
	raw, err := hex.DecodeString(digest)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range in.HashLists {
		if i, ok := h.Lookup(raw); ok {
			return h.Indicator(i), h.Line(i), true
		}
	}
	return intel.Indicator{}, 0, false
}

func TestLoadHashes(t *testing.T) {
	for _, file := range []string{"testdata/hash-iocs.txt", "testdata/hash-iocs-bom.txt"} {
		t.Run(file, func(t *testing.T) {
			var warnings []*intel.LoadError
			in, err := LoadFile(file, Options{Incident: "demo", Warn: func(e *intel.LoadError) { warnings = append(warnings, e) }})
			if err != nil {
				t.Fatal(err)
			}
			if c := in.Counts(); c["md5"] != 2 || c["sha1"] != 2 || c["sha256"] != 2 {
				t.Errorf("counts %v, want 2 of each", c)
			}
			if len(in.HashLists) != 3 || in.HashLists[0].Type != intel.MD5 || in.HashLists[2].Type != intel.SHA256 {
				t.Errorf("lists not one per type in md5, sha1, sha256 order")
			}
			cases := []struct {
				digest  string
				score   int
				comment string
				line    int
			}{
				{"0123456789abcdef0123456789abcdef", 100, "Block A sample one", 6},
				{"0123456789abcdef0123456789abcdef01234567", 100, "Block A sample two (SHA-1, upper case)", 7},
				{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 75, "Block A stage two; with a semicolon", 8},
				{"fedcba9876543210fedcba9876543210", 100, "padded line", 12},
				{"fedcba9876543210fedcba9876543210fedcba98", 100, "", 13},
				{"1111111111111111111111111111111111111111111111111111111111111111", 100, "2019 report; not a score", 14},
			}
			for _, c := range cases {
				ind, line, ok := lookup(t, in, c.digest)
				if !ok {
					t.Errorf("%s not found", c.digest)
					continue
				}
				if ind.Score != c.score || ind.Description != c.comment || line != c.line || ind.Incident != "demo" {
					t.Errorf("%s: score %d comment %q line %d incident %q", c.digest, ind.Score, ind.Description, line, ind.Incident)
				}
				if ind.Sources[0] != "sigbase:"+file[len("testdata/"):] {
					t.Errorf("%s: source %v", c.digest, ind.Sources)
				}
			}
			if _, _, ok := lookup(t, in, "d41d8cd98f00b204e9800998ecf8427e"); ok {
				t.Error("the empty-file digest was loaded")
			}
			if len(warnings) != 1 || warnings[0].Line != 11 {
				t.Errorf("warnings %v, want one for line 11", warnings)
			}
		})
	}
}

func TestLoadFilenames(t *testing.T) {
	in, err := LoadFile("testdata/filename-iocs.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line        int
		value, fp   string
		score       int
		description string
		hit, miss   string
	}{
		{6, `\\evilupd\.exe`, "", 80, "Campaign X dropper", `C:\Temp\EvilUpd.exe`, `C:\Temp\evilupdXexe`},
		{7, `\\ProgramData\\Mail\\MailAg\\`, `\\ProgramData\\Mail\\MailAg\\legit\.dll`, 70, "Campaign X dropper", `C:\ProgramData\Mail\MailAg\x.exe`, `C:\ProgramData\Mail\x.exe`},
		{10, `\\(images|img|js)\\[^\\]{0,20}\.(exe|dll)\z`, "", 60, "Suspicious location (Python repeat and end anchor)", `C:\www\images\a.exe`, `C:\www\images\a.exe.txt`},
		{13, `\\webshell\\cmd\.jsp`, "", DefaultFilenameScore, "Old block without scores", `D:\jboss\webshell\cmd.jsp`, `D:\jboss\cmd.jsp`},
		{14, `\\mPclient\.dll`, "", 90, "Old block without scores", `C:\x\mpclient.dll`, `C:\x\mpclientXdll`},
	}
	if len(in.Indicators) != len(want) {
		t.Fatalf("%d indicators, want %d: %+v", len(in.Indicators), len(want), in.Indicators)
	}
	for i, w := range want {
		ind := in.Indicators[i]
		if ind.ID != "sigbase:filename-iocs.txt:"+strconv.Itoa(w.line) || ind.Value != w.value || ind.FalsePositive != w.fp ||
			ind.Score != w.score || ind.Description != w.description || ind.Type != intel.Filename {
			t.Errorf("line %d: got %+v", w.line, ind)
			continue
		}
		re, err := intel.CompileFilenameRegex(ind.Value)
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(w.hit) || re.MatchString(w.miss) {
			t.Errorf("line %d: %q: match(%q)=%v match(%q)=%v", w.line, ind.Value, w.hit, re.MatchString(w.hit), w.miss, re.MatchString(w.miss))
		}
	}
}

func TestUnsupportedRegex(t *testing.T) {
	_, err := LoadFile("testdata/lookaround-filename-iocs.txt", Options{})
	var le *intel.LoadError
	if !errors.Is(err, ErrUnsupported) || !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("strict load: %v, want ErrUnsupported at line 3", err)
	}
	if !strings.Contains(err.Error(), "lookaround-filename-iocs.txt:4:") {
		t.Errorf("the back-reference on line 4 is not reported too: %v", err)
	}
	var skipped []int
	in, err := LoadFile("testdata/lookaround-filename-iocs.txt", Options{SkipUnsupported: true,
		Warn: func(e *intel.LoadError) { skipped = append(skipped, e.Line) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Indicators) != 2 || len(skipped) != 2 || skipped[0] != 3 || skipped[1] != 4 {
		t.Errorf("lenient load: %d indicators, skipped lines %v", len(in.Indicators), skipped)
	}
}

func TestLoadC2(t *testing.T) {
	in, err := LoadFile("testdata/c2-iocs.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ         intel.Type
		value, desc string
		score       int
	}{
		{intel.Domain, "evil-updates.example", "Operation Example", DefaultC2Score},
		{intel.IP, "198.51.100.7", "Operation Example", DefaultC2Score},
		{intel.IP, "203.0.113.0/24", "scanner range", DefaultC2Score},
		{intel.Domain, "cdn.bad-actor.example", "Operation Example", DefaultC2Score},
		{intel.Domain, "wild.example", "wildcard entry", 90},
		{intel.IP, "2001:db8::1", "Operation Example", DefaultC2Score},
	}
	if len(in.Indicators) != len(want) {
		t.Fatalf("%d indicators: %+v", len(in.Indicators), in.Indicators)
	}
	for i, w := range want {
		ind := in.Indicators[i]
		if ind.Type != w.typ || ind.Value != w.value || ind.Description != w.desc || ind.Score != w.score {
			t.Errorf("entry %d: got %s %q %q %d", i, ind.Type, ind.Value, ind.Description, ind.Score)
		}
	}
	if err := in.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, file, content string
		opts                Options
		line                int
		want                string
	}{
		{"truncated digest", "testdata/bad-hash-iocs.txt", "", Options{}, 3, "not an MD5, SHA-1 or SHA-256 digest (31 characters)"},
		{"non-hex digest", "x-hash.txt", "zz23456789abcdef0123456789abcdef;x\n", Options{}, 1, "not hex"},
		{"hash score too high", "x-hash.txt", "0123456789abcdef0123456789abcdef;250;x\n", Options{}, 1, "outside 0..100"},
		{"sha512", "x-hash.txt", "# c\n" + strings.Repeat("ab", 64) + ";x\n", Options{}, 2, "(128 characters)"},
		{"url in c2 list", "testdata/bad-c2-iocs.txt", "", Options{}, 3, "is a URL or a path"},
		{"not a host", "x-c2.txt", "evil_host;x\n", Options{}, 1, "neither an IP address"},
		{"filename score", "x-filename.txt", "\\\\a\\.exe;high\n", Options{}, 1, "not a number from 0 to 100"},
		{"filename fields", "x-filename.txt", "\\\\a;1;2;3\n", Options{}, 1, "4 fields"},
		{"bad regex", "x-filename.txt", "\n\n\\\\a(b;50\n", Options{}, 3, "missing closing )"},
		{"bad fp regex", "x-filename.txt", "\\\\a;50;[z-a]\n", Options{}, 1, "false-positive regex"},
		{"line too long", "x-hash.txt", strings.Repeat("a", MaxLineBytes+10) + "\n", Options{}, 1, "longer than"},
		{"too many lines", "x-c2.txt", "a.example\nb.example\nc.example\n", Options{MaxLines: 2}, 3, "more than 2 lines"},
		{"undetectable name", "iocs.txt", "a.example\n", Options{}, 0, "cannot tell the format"},
		{"allow-list", "falsepositive-hashes.txt", "0123456789abcdef0123456789abcdef;x\n", Options{}, 0, "allow-list"},
		{"unknown format", "x.txt", "x\n", Options{Format: "yara"}, 0, "unknown signature-base format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.content == "" {
				_, err = LoadFile(c.file, c.opts)
			} else {
				_, err = Load(c.file, strings.NewReader(c.content), c.opts)
			}
			var le *intel.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a LoadError", err)
			}
			if le.File != c.file || le.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v (file %q line %d), want %s:%d: …%s…", err, le.File, le.Line, c.file, c.line, c.want)
			}
		})
	}
}

func TestManyBadLinesStopEarly(t *testing.T) {
	_, err := Load("x-hash.txt", strings.NewReader(strings.Repeat("nothex;x\n", 1000)), Options{})
	if err == nil || strings.Count(err.Error(), "x-hash.txt:") != maxErrors {
		t.Errorf("want %d reported lines, got %v", maxErrors, err)
	}
}

func TestDetectFormat(t *testing.T) {
	cases := map[string]Format{
		"hash-iocs.txt": Hash, "misp-hashes.txt": Hash, "/opt/sigbase/iocs/filename-iocs.txt": Filename,
		`C:\iocs\apt-filenames.txt`: Filename, "c2-iocs.txt": C2, "otx-c2-iocs-ipv4.txt": C2, "case22_C2.txt": C2,
	}
	for name, want := range cases {
		if got, err := DetectFormat(name); err != nil || got != want {
			t.Errorf("DetectFormat(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"doc2.txt", "keywords.txt", "c2-hash.txt", "trusted-hashes.txt", "my-whitelist-c2.txt"} {
		if f, err := DetectFormat(name); err == nil {
			t.Errorf("DetectFormat(%q) = %q, want an error", name, f)
		}
	}
	// An explicit format overrides the name.
	in, err := Load("trusted-hashes.txt", strings.NewReader("0123456789abcdef0123456789abcdef;x\n"), Options{Format: Hash})
	if err != nil || in.Counts()["md5"] != 1 {
		t.Errorf("explicit format: %v", err)
	}
	if f, err := ParseFormat(" C2 "); err != nil || f != C2 {
		t.Errorf("ParseFormat: %q %v", f, err)
	}
}
