package lang

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// memSink records what collectors report.
type memSink struct {
	mu       sync.Mutex
	software []snapshot.Software
	errs     []string
}

func (s *memSink) AddSoftware(sw snapshot.Software) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.software = append(s.software, sw)
}

func (s *memSink) AddArtifact(snapshot.Artifact) {}

func (s *memSink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf("%s [%s]: %v", rel, stage, err))
}

func linuxEnv(fsys fs.FS) *collect.Env {
	return &collect.Env{FS: fsys, OS: "linux", Display: func(rel string) string { return path.Join("/", rel) }}
}

// scan offers every regular file to the collectors, as the engine's walk
// does, and records returned errors the way the engine would.
func scan(t *testing.T, env *collect.Env, cs ...collect.PathCollector) *memSink {
	t.Helper()
	sink := &memSink{}
	err := fs.WalkDir(env.FS, ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		for _, c := range cs {
			if c.WantsPath(env, rel) {
				if err := c.CollectPath(context.Background(), env, rel, sink); err != nil {
					sink.AddError(rel, "parse:"+c.Name(), err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sink
}

func TestFixture(t *testing.T) {
	root := testutil.Fixture(t, "lang.sh")
	sink := scan(t, linuxEnv(os.DirFS(root)), Collectors()...)
	if len(sink.errs) > 0 {
		t.Errorf("errors: %v", sink.errs)
	}
	nm := "/home/dev/webapp/node_modules/"
	sp := "/home/dev/venv/lib/python3.11/site-packages"
	dp := "/usr/lib/python3/dist-packages"
	want := []snapshot.Software{
		npmPkg("@types/node", "18.15.11", "dev", nm+"@types/node"),
		npmPkg("event-stream", "3.3.6", "dev", nm+"event-stream"),
		npmPkg("flatmap-stream", "0.1.1", "dev", nm+"event-stream/node_modules/flatmap-stream"),
		npmPkg("node-ipc", "10.1.1", "", "/usr/lib/node_modules/node-ipc"),
		npmPkg("ua-parser-js", "0.7.29", "dev", nm+"ua-parser-js"),
		pyPkg("chardet", "5.1.0", "", dp, dp+"/chardet-5.1.0.egg-info/PKG-INFO"),
		pyPkg("mytool", "0.1.0", "dev", "/home/dev/src/mytool", "/home/dev/src/mytool/mytool.egg-info/PKG-INFO"),
		pyPkg("requests", "2.31.0", "dev", sp, sp+"/requests-2.31.0.dist-info/METADATA"),
		pyPkg("six", "1.16.0", "", dp, dp+"/six-1.16.0.egg-info"),
		pyPkg("ultralytics", "8.3.41", "dev", sp, sp+"/ultralytics-8.3.41.dist-info/METADATA"),
	}
	got := sink.software
	sort.Slice(got, func(i, j int) bool { return got[i].Ecosystem+got[i].Name < got[j].Ecosystem+got[j].Name })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("software:\n got %+v\nwant %+v", got, want)
	}
}

func npmPkg(name, version, user, dir string) snapshot.Software {
	return sw("npm", name, version, user, dir, dir+"/package.json")
}

func pyPkg(name, version, user, dir, file string) snapshot.Software {
	s := sw("pypi", name, version, user, dir, file)
	s.Identifier = normalizePyPIName(name)
	return s
}

func sw(eco, name, version, user, dir, file string) snapshot.Software {
	scope := snapshot.ScopeMachine
	if user != "" {
		scope = snapshot.ScopeUser
	}
	return snapshot.Software{Name: name, Version: version, Platform: "linux", Ecosystem: eco,
		Scope: scope, User: user, Source: eco + ":" + file, InstallPath: dir}
}

func TestNPMWantsPath(t *testing.T) {
	cases := map[string]bool{
		"node_modules/a/package.json":                              true,
		"x/node_modules/@s/a/package.json":                         true,
		"x/node_modules/a/node_modules/b/package.json":             true,
		"x/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json": true,
		"package.json":                         false,
		"x/package.json":                       false,
		"x/node_modules/package.json":          false,
		"x/node_modules/@s/package.json":       false,
		"x/node_modules/a/lib/package.json":    false,
		"x/node_modules/@s/a/lib/package.json": false,
		"x/node_modules/.bin/package.json":     false,
		"x/node_modules/@/a/package.json":      false,
		"x/node_modules/@s/.a/package.json":    false,
		"x/node_modules/a/package.json.bak":    false,
		"x/node_modules/a/xpackage.json":       false,
		"x/vendor/@s/a/package.json":           false,
	}
	for rel, want := range cases {
		if got := NewNPM().WantsPath(nil, rel); got != want {
			t.Errorf("WantsPath(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestPyPIWantsPath(t *testing.T) {
	cases := map[string]bool{
		"v/lib/python3.11/site-packages/a-1.0.dist-info/METADATA": true,
		"usr/lib/python3/dist-packages/a-1.0.dist-info/METADATA":  true,
		"src/a.egg-info/PKG-INFO":                                 true,
		"a.egg-info/PKG-INFO":                                     true,
		"site-packages/a-1.0-py3.11.egg/EGG-INFO/PKG-INFO":        true,
		"usr/lib/python3/dist-packages/a-1.0.egg-info":            true,
		"wheels/a-1.0.dist-info/METADATA":                         false,
		"site-packages/.dist-info/METADATA":                       false,
		"site-packages/a-1.0.dist-info/RECORD":                    false,
		"site-packages/a/METADATA":                                false,
		"x/.egg-info/PKG-INFO":                                    false,
		"x/EGG-INFO/PKG-INFO":                                     false,
		"src/a-1.0.egg-info":                                      false,
		"site-packages/a-1.0.egg-info/PKG-INFO.orig":              false,
		"METADATA": false,
	}
	for rel, want := range cases {
		if got := NewPyPI().WantsPath(nil, rel); got != want {
			t.Errorf("WantsPath(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestCollectErrors(t *testing.T) {
	big := `{"name":"big","version":"1.0.0","x":"` + strings.Repeat("a", maxManifest) + `"}`
	fsys := fstest.MapFS{
		"node_modules/big/package.json":            {Data: []byte(big)},
		"node_modules/bad/package.json":            {Data: []byte("{\n  \"name\": \"bad\",\n  oops\n}")},
		"node_modules/num/package.json":            {Data: []byte(`{"name": 7, "version": "1.0.0"}`)},
		"node_modules/noname/package.json":         {Data: []byte(`{"version": "2.0.0"}`)},
		"site-packages/x-1.dist-info/METADATA":     {Data: []byte("garbage without colon\n")},
		"site-packages/y_z-3.1.dist-info/METADATA": {Data: []byte("Metadata-Version: 2.1\nSummary: no name\n")},
		"site-packages/empty-1.dist-info/METADATA": {Data: nil},
	}
	sink := scan(t, linuxEnv(fsys), Collectors()...)
	wantErrs := map[string]string{
		"node_modules/big/package.json":            "larger than",
		"node_modules/bad/package.json":            "line 3 column 3",
		"node_modules/num/package.json":            `"name": not a string`,
		"site-packages/x-1.dist-info/METADATA":     "line 1: not a header",
		"site-packages/empty-1.dist-info/METADATA": "no Name or Version",
		"site-packages/y_z-3.1.dist-info/METADATA": "no Name or Version",
	}
	if len(sink.errs) != len(wantErrs) {
		t.Errorf("errors: %q", sink.errs)
	}
	for rel, frag := range wantErrs {
		found := false
		for _, e := range sink.errs {
			found = found || strings.HasPrefix(e, rel+" ") && strings.Contains(e, frag)
		}
		if !found {
			t.Errorf("no error for %s containing %q in %q", rel, frag, sink.errs)
		}
	}
	var got []string
	for _, s := range sink.software {
		got = append(got, s.Name+"@"+s.Version+"/"+s.Identifier)
	}
	sort.Strings(got)
	// The directory name stands in for a missing name header or key.
	if want := []string{"empty@1/empty", "noname@2.0.0/", "y_z@3.1/y-z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("software %q, want %q", got, want)
	}
}
