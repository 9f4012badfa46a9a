package windows

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// TestValueNamesInListOrder: ValueNames gives a key's values in the order
// of the hive's value list, as hivex's node_values (the reference) lists
// them, on every read. Records built from them (Run-key entries) then come
// out in one order, whether a hive is read alone or shared.
func TestValueNamesInListOrder(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit")
	dir := t.TempDir()
	hive := filepath.Join(dir, "NTUSER.DAT")
	if err := os.WriteFile(hive, []byte(readFile(t, "testdata/minimal.hive")), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := "Windows Registry Editor Version 5.00\n\n[\\Run]\n"
	for _, n := range []string{"Zeta", "alpha", "Mid", "beta", "OneDrive", "9x", "Updater", "aa", "SecurityHealth", "FixUpd", "Omega", "b"} {
		reg += `"` + n + `"="C:\\p\\` + n + `.exe"` + "\n"
	}
	regFile := filepath.Join(dir, "run.reg")
	if err := os.WriteFile(regFile, []byte(reg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("hivexregedit", "--merge", hive, regFile).CombinedOutput(); err != nil {
		t.Fatalf("hivexregedit --merge: %v\n%s", err, out)
	}
	// hivexregedit --export sorts values by name; hivex's node_values
	// (Win::Hivex, the library under it) gives the list order.
	const list = `my $h = Win::Hivex->open($ARGV[0]); my $n = $h->node_get_child($h->root, "Run"); print $h->value_key($_), "\n" for $h->node_values($n);`
	out, err := exec.Command("perl", "-MWin::Hivex", "-e", list, hive).Output()
	if err != nil {
		t.Fatalf("perl Win::Hivex: %v", err)
	}
	want := strings.Fields(string(out))
	if len(want) != 12 {
		t.Fatalf("hivex listed %d values:\n%s", len(want), out)
	}
	data, err := os.ReadFile(hive)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		err := ParseHive(data, func(root *Key) error {
			k, err := root.Open("Run")
			if err != nil {
				return err
			}
			got, err := k.ValueNames()
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read %d: ValueNames = %q, hivexregedit lists %q", i, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
