package collect

import (
	"path"
	"strings"
)

// SkipPackageCache counts the package-manager caches a scan leaves out by
// default (Options.DefaultExcludes).
const SkipPackageCache = "package-cache"

// packageCaches are package managers' caches of third-party downloads,
// relative to a user's home directory. They hold other projects' archives
// and test data (Go modules ship malware-like fixtures, signing libraries
// ship tampered signatures), which a scan of a developer's machine would
// report as findings. Trees a project installs and runs from
// (node_modules, site-packages, virtualenvs, vendor) are not caches and
// are not listed.
var packageCaches = []string{
	"go/pkg/mod",                       // Go module cache (GOPATH defaults to ~/go)
	".cache/go-build",                  // Go build cache: Linux
	"Library/Caches/go-build",          // macOS
	"AppData/Local/go-build",           // Windows
	".npm/_cacache",                    // npm: Linux, macOS
	"AppData/Local/npm-cache/_cacache", // npm: Windows
	".cache/pip",                       // pip: Linux
	"Library/Caches/pip",               // macOS
	"AppData/Local/pip/Cache",          // Windows
	".cargo/registry",                  // cargo: crates downloaded and unpacked
	".cargo/git",                       // cargo: git dependencies
	".m2/repository",                   // Maven
	".gradle/caches",                   // Gradle
	".cache/yarn",                      // Yarn 1: Linux
	"Library/Caches/Yarn",              // macOS
	"AppData/Local/Yarn/Cache",         // Windows
	".yarn/berry/cache",                // Yarn 2+ global cache
	".local/share/pnpm/store",          // pnpm: Linux
	"Library/pnpm/store",               // macOS
	"AppData/Local/pnpm/store",         // Windows
}

// homeGlobs are where users' home directories are, as display paths
// without a drive letter.
var homeGlobs = []string{"/home/*", "/Users/*", "/root", "/var/root"}

// PackageCaches returns the display-path globs of package managers'
// download caches in every user's home directory.
func PackageCaches() []string {
	var out []string
	for _, h := range homeGlobs {
		for _, c := range packageCaches {
			out = append(out, h+"/"+c)
		}
	}
	return out
}

// defaultExcludes matches directories against Options.DefaultExcludes,
// case-insensitively (Windows and macOS names fold) and without a drive
// letter. Globs are indexed by their last element, so the walk pays one
// map look-up per directory.
type defaultExcludes map[string][]string

func newDefaultExcludes(globs []string) defaultExcludes {
	if len(globs) == 0 {
		return nil
	}
	d := defaultExcludes{}
	for _, g := range globs {
		g = normalDisplay(g)
		last := path.Base(g)
		d[last] = append(d[last], g)
	}
	return d
}

// match reports whether the directory name at rel (display path
// display(rel)) is excluded.
func (d defaultExcludes) match(name, rel string, display func(string) string) bool {
	globs := d[strings.ToLower(name)]
	if len(globs) == 0 {
		return false
	}
	p := normalDisplay(display(rel))
	for _, g := range globs {
		if ok, _ := path.Match(g, p); ok {
			return true
		}
	}
	return false
}

// normalDisplay lower-cases a display path, turns it into a slash path and
// drops a drive letter: `C:\Users\Bob` becomes "/users/bob".
func normalDisplay(p string) string {
	p = strings.ToLower(filepathToSlash(p))
	if len(p) >= 2 && p[1] == ':' {
		p = p[2:]
	}
	return strings.TrimSuffix(p, "/")
}
