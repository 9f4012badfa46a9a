package pefile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// summary is what the differential test compares, in the shape
// testdata/pefile_ref.py prints.
type summary struct {
	Error    string     `json:"error,omitempty"`
	IsDLL    bool       `json:"is_dll"`
	Machine  uint16     `json:"machine"`
	Sections []string   `json:"sections"`
	Version  []refTable `json:"version"`
	// VersionInvalid: pefile warned of an invalid VS_VERSIONINFO; here,
	// VersionInfo returned an error.
	VersionInvalid bool        `json:"version_invalid"`
	Fixed          []uint32    `json:"fixed"`
	Debug          refDebug    `json:"debug"`
	Imports        []refImport `json:"imports"`
	DelayImports   []refImport `json:"delay_imports"`
	Exports        *refExports `json:"exports"`
	Rich           *refRich    `json:"rich"`
	Resources      []refRes    `json:"resources"`
	EntryPoint     int64       `json:"entry_point"`
}

type refRes struct {
	Path []string `json:"path"` // type, name, language: "#16" or a name
	RVA  uint32   `json:"rva"`
	Size uint32   `json:"size"`
}

type refTable struct {
	Key     string            `json:"key"`
	Strings map[string]string `json:"strings"`
}

type refDebug struct {
	Types []uint32 `json:"types"`
	PDB   *refPDB  `json:"pdb"`
}

type refPDB struct {
	Format    string `json:"format"`
	GUID      string `json:"guid,omitempty"`
	Signature uint32 `json:"signature,omitempty"`
	Age       uint32 `json:"age"`
	Path      string `json:"path"`
}

type refImport struct {
	DLL       string   `json:"dll"`
	Functions []string `json:"functions"`
}

type refExports struct {
	Name    string      `json:"name"`
	Symbols []refSymbol `json:"symbols"`
}

type refSymbol struct {
	Ordinal   uint32 `json:"ordinal"`
	Name      string `json:"name"`
	Forwarder string `json:"forwarder"`
}

type refRich struct {
	Key    uint32   `json:"key"`
	Values []uint32 `json:"values"`
}

// summarize reads path with this package into the reference's shape. It
// fails the test on any error: every file of the corpus is well formed.
func summarize(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if f == nil {
		return summary{Error: err.Error()}
	}
	if err != nil {
		t.Errorf("%s: Open: %v", path, err)
	}
	s := summary{IsDLL: f.IsDLL(), Machine: f.COFF.Machine, Sections: []string{}, Version: []refTable{}, Imports: []refImport{}, DelayImports: []refImport{}}
	for _, sec := range f.Sections {
		s.Sections = append(s.Sections, sec.Name)
	}
	check := func(what string, err error) {
		if err != nil {
			t.Errorf("%s: %s: %v", path, what, err)
		}
	}
	vers, err := f.VersionInfo()
	s.VersionInvalid = err != nil
	s.EntryPoint = f.EntryPointOffset
	res, err := f.Resources()
	check("resources", err)
	s.Resources = []refRes{}
	for _, r := range resEntries(res) {
		var p []string
		for _, id := range []ResourceID{r.Type, r.Name, r.Lang}[:r.Depth] {
			if id.Named {
				p = append(p, id.Name)
			} else {
				p = append(p, fmt.Sprintf("#%d", id.ID))
			}
		}
		s.Resources = append(s.Resources, refRes{Path: p, RVA: r.DataRVA, Size: r.Size})
	}
	for _, v := range vers {
		if v.Fixed != nil && s.Fixed == nil {
			s.Fixed = []uint32{v.Fixed.FileVersionMS, v.Fixed.FileVersionLS, v.Fixed.ProductVersionMS, v.Fixed.ProductVersionLS}
		}
		for _, tb := range v.Tables {
			m := map[string]string{}
			for _, kv := range tb.Strings {
				m[kv.Key] = kv.Value
			}
			s.Version = append(s.Version, refTable{Key: tb.Key, Strings: m})
		}
	}
	dbg, err := f.Debug()
	check("debug", err)
	s.Debug.Types = []uint32{}
	for _, e := range dbg {
		s.Debug.Types = append(s.Debug.Types, e.Type)
	}
	if cv := PDB(dbg); cv != nil {
		s.Debug.PDB = &refPDB{Format: cv.Format, GUID: cv.GUID, Signature: cv.Signature, Age: cv.Age, Path: cv.PDBPath}
	}
	imps, err := f.Imports()
	check("imports", err)
	s.Imports = refImports(imps)
	dimps, err := f.DelayImports()
	check("delay imports", err)
	s.DelayImports = refImports(dimps)
	x, err := f.Exports()
	check("exports", err)
	if x != nil {
		s.Exports = &refExports{Name: x.DLLName, Symbols: []refSymbol{}}
		for _, e := range x.Functions {
			for _, n := range append([]string{e.Name}, e.Aliases...) {
				s.Exports.Symbols = append(s.Exports.Symbols, refSymbol{Ordinal: e.Ordinal, Name: n, Forwarder: e.Forwarder})
			}
		}
	}
	if f.Rich != nil {
		// The linker's checksum, recomputed: pefile does not check it,
		// so every real Rich header in the corpus is the reference.
		if !f.Rich.ChecksumValid {
			t.Errorf("%s: Rich checksum %#x, key %#x", path, f.Rich.Checksum, f.Rich.Key)
		}
		s.Rich = &refRich{Key: f.Rich.Key, Values: []uint32{}}
		for _, e := range f.Rich.Entries {
			s.Rich.Values = append(s.Rich.Values, e.CompID(), e.Count)
		}
	}
	return s
}

func resEntries(r *Resources) []Resource {
	if r == nil {
		return nil
	}
	return r.Entries
}

func refImports(dlls []ImportedDLL) []refImport {
	out := []refImport{}
	for _, d := range dlls {
		r := refImport{DLL: d.Name, Functions: []string{}}
		for _, fn := range d.Functions {
			if fn.ByOrdinal {
				r.Functions = append(r.Functions, fmt.Sprintf("#%d", fn.Ordinal))
			} else {
				r.Functions = append(r.Functions, fn.Name)
			}
		}
		out = append(out, r)
	}
	return out
}

// normalize makes the two readers' output comparable where they differ
// only in presentation: pefile keeps a string table's key as written
// (upper or lower hex) and lists exports named first.
func (s *summary) normalize() {
	for i := range s.Version {
		s.Version[i].Key = strings.ToLower(s.Version[i].Key)
	}
	if s.Exports != nil {
		sort.Slice(s.Exports.Symbols, func(i, j int) bool {
			a, b := s.Exports.Symbols[i], s.Exports.Symbols[j]
			if a.Ordinal != b.Ordinal {
				return a.Ordinal < b.Ordinal
			}
			return a.Name < b.Name
		})
	}
}

// corpus lists the PE files the differential test reads: the real files
// kept in the repo, Go's own debug/pe test executables (MinGW-built),
// the fixtures this test builds with binutils-mingw-w64, the signed.sh
// fixtures (osslsigncode) and any directory in CASCADE_PEFILE_CORPUS
// (colon-separated; e.g. a Windows partition's System32).
func corpus(t *testing.T) []string {
	var files []string
	add := func(glob string) {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	add("../collect/codesign/testdata/realworld/*.dll")
	add("../collect/codesign/peinfo/testdata/*.exe")
	if root, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		add(filepath.Join(strings.TrimSpace(string(root)), "src", "debug", "pe", "testdata", "gcc-*-exec"))
	}
	files = append(files, mingwFixtures(t)...)
	if dir := signedFixtures(t); dir != "" {
		add(filepath.Join(dir, "pe", "*.exe"))
	}
	for _, d := range filepath.SplitList(os.Getenv("CASCADE_PEFILE_CORPUS")) {
		for _, ext := range []string{"*.exe", "*.dll", "*.EXE", "*.DLL", "*.sys"} {
			add(filepath.Join(d, ext))
		}
	}
	return files
}

// TestDifferentialPefile compares this package with Debian's
// python3-pefile over the corpus: version strings (every table), the fixed
// file version, debug entry types and the CodeView record, imports, delay
// imports, exports, the Rich header entries and the DLL flag.
func TestDifferentialPefile(t *testing.T) {
	testutil.NeedTools(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import pefile").Run(); err != nil {
		if os.Getenv("CASCADE_REQUIRE_TOOLS") == "1" {
			t.Fatal("python3-pefile is not installed")
		}
		t.Skip("python3-pefile is not installed")
	}
	files := corpus(t)
	if len(files) < 5 {
		t.Fatalf("only %d corpus files", len(files))
	}
	out, err := exec.Command("/usr/bin/python3", append([]string{"testdata/pefile_ref.py"}, files...)...).Output()
	if err != nil {
		t.Fatalf("pefile_ref.py: %v", err)
	}
	var ref map[string]summary
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	var seen struct{ version, pdb, imports, exports, rich, delay int }
	for _, path := range files {
		want, got := ref[path], summarize(t, path)
		for _, c := range []struct {
			n  *int
			ok bool
		}{{&seen.version, len(got.Version) > 0}, {&seen.pdb, got.Debug.PDB != nil}, {&seen.imports, len(got.Imports) > 0},
			{&seen.exports, got.Exports != nil}, {&seen.rich, got.Rich != nil}, {&seen.delay, len(got.DelayImports) > 0}} {
			if c.ok {
				*c.n++
			}
		}
		if want.Error != "" || got.Error != "" {
			if want.Error == "" || got.Error == "" { // both refuse a non-PE (an NE file)
				t.Errorf("%s: pefile: %q, ours: %q", path, want.Error, got.Error)
			}
			continue
		}
		want.normalize()
		got.normalize()
		compareSummary(t, path, got, want)
	}
	t.Logf("%d files compared; with version strings %d, CodeView %d, imports %d, delay imports %d, exports %d, Rich header %d",
		len(files), seen.version, seen.pdb, seen.imports, seen.delay, seen.exports, seen.rich)
	// The repo's own fixtures alone cover every structure.
	if seen.version == 0 || seen.pdb == 0 || seen.imports == 0 || seen.exports == 0 || seen.rich == 0 || seen.delay == 0 {
		t.Errorf("the corpus misses a structure: %+v", seen)
	}
}

func compareSummary(t *testing.T, path string, got, want summary) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		name := g.Type().Field(i).Name
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			gj, _ := json.Marshal(g.Field(i).Interface())
			wj, _ := json.Marshal(w.Field(i).Interface())
			i := 0
			for i < len(gj) && i < len(wj) && gj[i] == wj[i] {
				i++
			}
			from := max(i-200, 0)
			t.Errorf("%s: %s differs at byte %d\n ours:   …%.400s\n pefile: …%.400s", filepath.Base(path), name, i, gj[from:], wj[from:])
		}
	}
}
