package deptest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/cascade-ir/cascade/"

type pkg struct {
	ImportPath string
	Imports    []string
}

// rules: a package (by prefix, relative to the module) may not import the
// listed prefixes. "*" forbids every package of ours.
var rules = []struct {
	pkg    string
	forbid []string
}{
	{"internal/snapshot", []string{"*"}},
	{"internal/finding", []string{"*"}},
	{"internal/version", []string{"*"}},
	{"internal/atomicfile", []string{"*"}},
	{"internal/visible", []string{"*"}},
	{"internal/taxii", []string{"*"}},
	{"internal/alert", []string{"*"}}, // senders know nothing of the fleet
	// Feed clients speak TAXII and MISP; they never reach into the fleet.
	{"internal/feedclient", []string{"internal/collect", "internal/match", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli", "internal/fleet", "internal/intel"}},
	{"internal/ident", []string{"*"}},
	// SBOM reading turns a document into snapshots for scan, inventory and
	// the server alike: it knows the snapshot model and nothing that uses it.
	{"internal/sbom", []string{"internal/collect", "internal/match", "internal/intel", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli", "internal/fleet"}},
	{"internal/guard", []string{"*"}},
	{"internal/intel", []string{"internal/collect", "internal/match", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli"}},
	{"internal/source", []string{"internal/collect", "internal/match", "internal/intel", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/cli"}},
	{"internal/collect", []string{"internal/match", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli"}},
	{"internal/match", []string{"internal/collect", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli"}},
	{"internal/report", []string{"internal/collect", "internal/scan", "internal/store", "internal/server", "internal/agent", "internal/cli"}},
	{"internal/scan", []string{"internal/report", "internal/store", "internal/server", "internal/agent", "internal/cli"}},
	// The store indexes by the names the matcher uses (internal/ident), and
	// never imports the matcher itself.
	{"internal/store", []string{"internal/server", "internal/agent", "internal/cli", "internal/collect", "internal/match"}},
	{"internal/server", []string{"internal/cli", "internal/agent"}},
	{"internal/agent", []string{"internal/cli", "internal/server"}},
	// The tracer reads its own inputs; the server will feed it through
	// cascade.Source, so the tracer never imports the store or the server.
	{"internal/cascade", []string{"internal/collect", "internal/match", "internal/scan", "internal/report", "internal/store", "internal/server", "internal/agent", "internal/intel", "internal/fleet"}},
	// The CMS reader is shared by the signature formats and knows none of
	// them; test-support builders (cmsbuild, testkit, …) stay out of it.
	{"internal/collect/codesign/cms", []string{"internal/collect/codesign/authenticode", "internal/collect/codesign/macho", "internal/collect/codesign/catalog", "internal/collect/codesign/msi", "internal/collect/codesign/peinfo", "internal/collect/codesign/internal"}},
	{"internal/", []string{"internal/cli"}}, // only cmd/ may import the CLI
	// The PE reader is a leaf: code signing and the YARA pe module stand
	// on it, and it stands on nothing of ours (stdlibOnly: nor on modules).
	{"internal/pefile", []string{"*"}},
	// The CLI (.NET) metadata reader is a leaf of its own: the YARA dotnet
	// module describes the PE image to it (clr.Image), so it imports no PE
	// reader, not even internal/pefile (stdlibOnly by the prefix above).
	{"internal/pefile/clr", []string{"*"}},
}

// stdlibOnly lists packages (by prefix) that import the standard library
// only: parsers of hostile input that go into the endpoint binary.
var stdlibOnly = []string{"internal/pefile"}

// TestImportDirection shells out to go list, which the test cache does not
// track: run it with -count=1 after changing imports (CI starts clean).
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		checkPkg(t, p)
	}
	if n < 10 {
		t.Fatalf("only %d packages listed; is the module path right?", n)
	}
}

func checkPkg(t *testing.T, p pkg) {
	rel := strings.TrimPrefix(p.ImportPath, mod)
	for _, prefix := range stdlibOnly {
		for _, imp := range p.Imports {
			if strings.HasPrefix(rel, prefix) && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("%s imports %s, but it may import the standard library only", rel, imp)
			}
		}
	}
	for _, r := range rules {
		if !strings.HasPrefix(rel, r.pkg) || rel == "internal/cli" || strings.HasPrefix(rel, "internal/cli/") {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			irel := strings.TrimPrefix(imp, mod)
			for _, f := range r.forbid {
				if f == "*" && !strings.HasPrefix(irel, "internal/testutil") || f != "*" && strings.HasPrefix(irel, f) && !strings.HasPrefix(irel, r.pkg) {
					t.Errorf("%s imports %s, which rule %q forbids", rel, irel, r.pkg)
				}
			}
		}
	}
}

// binaryModules are the third-party modules the cascade binary may link,
// each with its reason in docs/design.md §4 ("Third-party modules in the
// binary"). A new one fails this test until it is added there and here;
// the ones issue 22 removed (relic and the cobra CLI framework it brought,
// smallstep/pkcs7, saferwall/pe and its PKCS#7 fork) stay out.
var binaryModules = []string{
	"github.com/CycloneDX/cyclonedx-go",
	"github.com/anchore/go-struct-converter",
	"github.com/davecgh/go-spew",
	"github.com/dustin/go-humanize",
	"github.com/google/uuid",
	"github.com/jackc/pgpassfile",
	"github.com/jackc/pgservicefile",
	"github.com/jackc/pgx/v5",
	"github.com/jackc/puddle/v2",
	"github.com/mattn/go-isatty",     // modernc.org/libc, windows and darwin
	"github.com/ncruces/go-strftime", // modernc.org/libc, windows and darwin
	"github.com/remyoudompheng/bigfft",
	"github.com/richardlehane/msoleps",
	"github.com/spdx/tools-golang",
	"golang.org/x/crypto",
	"golang.org/x/sync",
	"golang.org/x/sys",
	"golang.org/x/text",
	"howett.net/plist",
	"modernc.org/libc",
	"modernc.org/mathutil",
	"modernc.org/memory",
	"modernc.org/sqlite",
	"www.velocidex.com/golang/regparser",
}

// TestBinaryModules shells out to go list (run it with -count=1 after
// changing imports) for every OS the endpoint binary is built for.
func TestBinaryModules(t *testing.T) {
	allowed := map[string]bool{strings.TrimSuffix(mod, "/"): true}
	for _, m := range binaryModules {
		allowed[m] = true
	}
	for _, goos := range []string{"linux", "windows", "darwin"} {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./cmd/cascade")
		cmd.Dir = "../.."
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (%s): %v", goos, err)
		}
		for _, m := range strings.Fields(string(out)) {
			if !allowed[m] {
				t.Errorf("%s: the binary links %s, which docs/design.md §4 does not list (add it there and to binaryModules, with its reason)", goos, m)
			}
		}
	}
}
