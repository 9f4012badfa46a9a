package windows

import (
	"context"
	"os"
	"strings"
	"testing"
)

// parseAll runs every hive reader of the package over data without the
// panic guard, and checks what comes out.
func parseAll(data []byte) []string {
	var problems []string
	for _, kind := range []int{machineHive, userHive} {
		sw, _, _ := readHive(context.Background(), data, kind, "fuzz")
		for _, s := range sw {
			if s.Name == "" || !strings.HasPrefix(s.Source, "registry:HK") || s.Ecosystem != "windows" {
				problems = append(problems, "bad record: "+s.Source)
			}
		}
	}
	var f HostFacts
	_ = parseHostHive(data, f.readSoftware)
	_ = parseHostHive(data, f.readSystem)
	return problems
}

// FuzzHive feeds arbitrary bytes to the hive parsing entry points. Seeds:
// the empty template hive and the SOFTWARE, SYSTEM and NTUSER.DAT hives
// that testdata/fixtures/windows.sh builds.
func FuzzHive(f *testing.F) {
	for _, name := range []string{"testdata/minimal.hive", "testdata/seed/software.hive",
		"testdata/seed/system.hive", "testdata/seed/ntuser.hive"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p := parseAll(data); len(p) > 0 {
			t.Fatalf("%s", strings.Join(p, "; "))
		}
	})
}
