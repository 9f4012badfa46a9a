package collect

import "testing"

func TestPackageCachesMatch(t *testing.T) {
	d := newDefaultExcludes(append(PackageCaches(), `D:\gomodcache`))
	tests := []struct {
		disp string
		want bool
	}{
		{"/home/alice/go/pkg/mod", true},
		{"/root/go/pkg/mod", true},
		{"/home/alice/.cache/go-build", true},
		{"/Users/bob/Library/Caches/go-build", true},
		{`C:\Users\Bob\AppData\Local\go-build`, true},
		{`C:\Users\Bob\AppData\Local\npm-cache\_cacache`, true},
		{"/home/alice/.npm/_cacache", true},
		{"/home/alice/.cache/pip", true},
		{"/Users/bob/Library/Caches/pip", true},
		{"/home/alice/.cargo/registry", true},
		{"/home/alice/.m2/repository", true},
		{"/home/alice/.gradle/caches", true},
		{"/var/root/.cache/yarn", true},
		{"/home/alice/.local/share/pnpm/store", true},
		{`C:\gomodcache`, true}, // a configured cache, drive letters aside
		// What a project installs and runs from is never a cache.
		{"/home/alice/src/app/node_modules", false},
		{"/home/alice/.venv/lib/python3.12/site-packages", false},
		{"/home/alice/.cache/pypoetry/virtualenvs", false},
		{"/home/alice/src/app/vendor", false},
		// Only in a home directory, and only the whole name.
		{"/srv/go/pkg/mod", false},
		{"/home/alice/work/go/pkg/mod", false},
		{"/home/alice/go/pkg/mod2", false},
		{"/home/alice/go/pkg", false},
	}
	for _, tt := range tests {
		name := tt.disp[len(tt.disp)-len(lastElem(tt.disp)):]
		id := func(string) string { return tt.disp }
		if got := d.match(name, "", id); got != tt.want {
			t.Errorf("%s: excluded = %v, want %v", tt.disp, got, tt.want)
		}
	}
}

func lastElem(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

// TestCollectSkipsPackageCaches: the caches are left out and counted as
// package-cache; a project's installed packages beside them are walked.
func TestCollectSkipsPackageCaches(t *testing.T) { bothWalkers(t, testCollectSkipsPackageCaches) }

func testCollectSkipsPackageCaches(t *testing.T) {
	root := t.TempDir()
	write(t, root, "home/u/go/pkg/mod/github.com/x/y@v1/testdata/evil.exe", "fixture")
	write(t, root, "home/u/go/pkg/mod/cache/download/x.zip", "zip")
	write(t, root, "home/u/.npm/_cacache/content-v2/sha512/aa", "tgz")
	write(t, root, "home/u/src/app/node_modules/left-pad/index.js", "installed")
	write(t, root, "home/u/.local/lib/python3.11/site-packages/pkg/__init__.py", "installed")
	opt := Options{DefaultExcludes: PackageCaches()}
	snap := collectDir(t, root, opt)
	files := byPath(snap)
	for _, p := range []string{"/home/u/src/app/node_modules/left-pad/index.js", "/home/u/.local/lib/python3.11/site-packages/pkg/__init__.py"} {
		if _, ok := files[p]; !ok {
			t.Errorf("%s was not collected", p)
		}
	}
	if len(files) != 2 || snap.Skipped[SkipPackageCache] != 2 {
		t.Errorf("files %v, skipped %v; want the two installed files and 2 package caches", files, snap.Skipped)
	}
	if all := collectDir(t, root, Options{}); len(all.Files) != 5 || all.Skipped[SkipPackageCache] != 0 {
		t.Errorf("without default excludes: %d files, skipped %v", len(all.Files), all.Skipped)
	}
}
