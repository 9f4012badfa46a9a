package linux

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestRPMWantsPath(t *testing.T) {
	r := NewRPM()
	for rel, want := range map[string]bool{
		"var/lib/rpm/Packages":              true,
		"var/lib/rpm/Packages.db":           true,
		"var/lib/rpm/rpmdb.sqlite":          true,
		"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
		"usr/lib/sysimage/rpm/Packages.db":  true,
		"var/lib/rpm/rpmdb.sqlite-wal":      false,
		"var/lib/rpm/Name":                  false,
		"var/lib/rpm/Packages.bak":          false,
	} {
		if got := r.WantsPath(nil, rel); got != want {
			t.Errorf("WantsPath(%q) = %v", rel, got)
		}
	}
}

// nevra is a package as both readers see it.
type nevra struct{ Name, Version, Arch, Vendor, SourcePackage string }

func fromSoftware(sw []snapshot.Software) []nevra {
	var out []nevra
	for _, s := range sw {
		out = append(out, nevra{s.Name, s.Version, s.Arch, s.Vendor, s.SourcePackage})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func dist(suffix string, epochOpenssl bool) []nevra {
	vendor := map[string]string{"fc40": "Fedora Project", "el7_9": "CentOS"}[suffix]
	v := func(fc40, el7 string) string {
		if suffix == "fc40" {
			return fc40
		}
		return el7
	}
	return []nevra{
		{"bash", v("5.2.26-3.fc40", "4.2.46-35.el7_9"), "x86_64", vendor, "bash"},
		{"openssl-libs", v("1:3.2.1-2.fc40", "1:1.0.2k-26.el7_9"), "x86_64", vendor, "openssl"},
		{"xz", v("5.6.0-1.fc40", "5.2.2-2.el7_9"), "x86_64", vendor, "xz"},
		{"xz-libs", v("5.6.0-1.fc40", "5.2.2-2.el7_9"), "x86_64", vendor, "xz"},
	}
}

func TestRPMFixtureSQLite(t *testing.T) {
	testutil.NeedTools(t, "python3", "rpmbuild", "rpm")
	env := fixtureEnv(t, "fedora")
	sink := runWalk(t, env, NewRPM())
	if len(sink.Errors) != 0 {
		t.Errorf("errors: %+v", sink.Errors)
	}
	if got, want := fromSoftware(sink.Software), dist("fc40", true); !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\n got %+v\nwant %+v", got, want)
	}
	checkCommon(t, sink.Software, "rpm")
	installed := time.Date(2024, 3, 29, 12, 0, 0, 0, time.UTC)
	for _, s := range sink.Software {
		if s.Source != "rpm:/usr/lib/sysimage/rpm/rpmdb.sqlite" {
			t.Errorf("%s: source %q", s.Name, s.Source)
		}
		if s.InstallDate == nil || s.InstallDate.Sub(installed) < 0 || s.InstallDate.Sub(installed) > 10*time.Second {
			t.Errorf("%s: install date %v, want about %v", s.Name, s.InstallDate, installed)
		}
		if s.InstallDateFrom != "rpm INSTALLTIME" {
			t.Errorf("%s: install date from %q", s.Name, s.InstallDateFrom)
		}
	}
	entries, err := os.ReadDir(env.TempDir)
	if err != nil || len(entries) != 0 {
		t.Errorf("scratch copies left behind: %v %v", entries, err)
	}
}

func TestRPMFixtureBerkeleyDB(t *testing.T) {
	testutil.NeedTools(t, "python3", "rpmbuild", "rpm", "db5.3_load")
	for _, args := range [][]string{{"4096", "1234"}, {"16384", "4321"}, {"512", "1234"}} {
		t.Run(args[0]+"/"+args[1], func(t *testing.T) {
			env := fixtureEnv(t, append([]string{"centos"}, args...)...)
			sink := runWalk(t, env, NewRPM())
			if len(sink.Errors) != 0 {
				t.Errorf("errors: %+v", sink.Errors)
			}
			if got, want := fromSoftware(sink.Software), dist("el7_9", true); !reflect.DeepEqual(got, want) {
				t.Errorf("packages:\n got %+v\nwant %+v", got, want)
			}
			for _, s := range sink.Software {
				if s.Source != "rpm:/var/lib/rpm/Packages" {
					t.Errorf("%s: source %q", s.Name, s.Source)
				}
			}
		})
	}
}

// TestRPMAgreesWithGoRpmdb reads the same databases with
// github.com/knqyf263/go-rpmdb, an independent reader tested on real
// distributions' databases, and wants the same packages.
func TestRPMAgreesWithGoRpmdb(t *testing.T) {
	testutil.NeedTools(t, "python3", "rpmbuild", "rpm", "db5.3_load")
	fedora := testutil.Fixture(t, "linux.sh", "fedora")
	centos := testutil.Fixture(t, "linux.sh", "centos")
	ndb := filepath.Join(t.TempDir(), "Packages.db")
	if err := os.WriteFile(ndb, buildNDB(t, sqliteBlobs(t, filepath.Join(fedora, "usr/lib/sysimage/rpm/rpmdb.sqlite"))), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(fedora, "usr/lib/sysimage/rpm/rpmdb.sqlite"),
		filepath.Join(centos, "var/lib/rpm/Packages"),
		ndb,
	} {
		theirs := goRpmdbList(t, path)
		ours := fromSoftware(collectFile(t, path))
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s:\n ours   %+v\n theirs %+v", filepath.Base(path), ours, theirs)
		}
		if len(ours) != 4 {
			t.Errorf("%s: %d packages, want 4", filepath.Base(path), len(ours))
		}
	}
}

func goRpmdbList(t *testing.T, path string) []nevra {
	t.Helper()
	db, err := rpmdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		t.Fatal(err)
	}
	var out []nevra
	for _, p := range pkgs {
		v := p.Version + "-" + p.Release
		if p.Epoch != nil {
			v = strconv.Itoa(*p.Epoch) + ":" + v
		}
		out = append(out, nevra{p.Name, v, p.Arch, p.Vendor, sourceName(p.SourceRpm)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sqliteBlobs reads the header blobs straight from an rpmdb.sqlite.
func sqliteBlobs(t *testing.T, path string) [][]byte {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT blob FROM Packages ORDER BY hnum")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// collectFile runs the rpm collector over one database file placed at
// var/lib/rpm/<its name> in a fresh tree.
func collectFile(t *testing.T, path string) []snapshot.Software {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sink := collectBytes(t, filepath.Base(path), data)
	if len(sink.Errors) != 0 {
		t.Errorf("%s: errors %+v", path, sink.Errors)
	}
	return sink.Software
}

func collectBytes(t *testing.T, name string, data []byte, extra ...string) *collecttest.Sink {
	t.Helper()
	root := t.TempDir()
	rel := "var/lib/rpm/" + name
	if err := os.MkdirAll(filepath.Join(root, "var/lib/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, rel), data, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if err := os.WriteFile(filepath.Join(root, "var/lib/rpm", extra[i]), []byte(extra[i+1]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := imageEnv(os.DirFS(root))
	env.TempDir = t.TempDir()
	sink := &collecttest.Sink{}
	if err := NewRPM().CollectPath(context.Background(), env, rel, sink); err != nil {
		t.Fatal(fmt.Errorf("CollectPath returned %w; corrupt files are sink errors", err))
	}
	return sink
}
