package collect

import (
	"fmt"
	"path"
	"strings"

	"github.com/cascade-ir/cascade/internal/source"
)

// skipRules decide which directories and files the walk leaves out.
type skipRules struct {
	live    bool
	os      string
	rootDev uint64
	hasDev  bool
	crossFS bool
	cloud   bool
	display func(string) string
	names   []string // exclude globs matched against a base name
	paths   []string // exclude globs matched against a display path
	caches  defaultExcludes
}

func (c *collection) compileExcludes() error {
	for _, g := range c.opt.Exclude {
		if _, err := path.Match(filepathToSlash(g), "x"); err != nil {
			return fmt.Errorf("exclude glob %q: %w", g, err)
		}
	}
	return nil
}

func (r *skipRules) init(c *collection) error {
	r.live = c.src.Kind == source.Live
	r.os = c.src.OS
	r.crossFS = c.opt.CrossFS
	r.cloud = c.opt.IncludeCloud
	r.display = c.src.Display
	r.caches = newDefaultExcludes(c.opt.DefaultExcludes)
	for _, g := range c.opt.Exclude {
		g = filepathToSlash(g)
		if strings.Contains(g, "/") {
			r.paths = append(r.paths, strings.TrimSuffix(g, "/"))
		} else {
			r.names = append(r.names, g)
		}
	}
	if r.live {
		fi, err := c.src.Lstat(".")
		if err != nil {
			return fmt.Errorf("collect: stat root %s: %w", c.src.Root, err)
		}
		r.rootDev, r.hasDev = deviceOf(fi.Sys())
	}
	return nil
}

// skipDir returns why a directory is not walked, or "".
func (r *skipRules) skipDir(rel, name string, meta fileMeta, parent dirFD) string {
	if r.excluded(rel, name) {
		return SkipExcluded
	}
	if r.caches != nil && r.caches.match(name, rel, r.display) {
		return SkipPackageCache
	}
	if r.live && r.os == source.Linux && isPseudoTop(rel, r.display) {
		return SkipPseudoFS
	}
	if !r.cloud && isCloudSync(rel) {
		return SkipCloudSync
	}
	if r.live && r.hasDev {
		if meta.hasDev && meta.dev != r.rootDev {
			if !r.crossFS {
				return SkipOtherFS
			}
			if reason := fsKindSkip(parent, name); reason != "" {
				return reason
			}
		}
	}
	return ""
}

// excluded matches the exclude globs.
func (r *skipRules) excluded(rel, name string) bool {
	for _, g := range r.names {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	if len(r.paths) == 0 {
		return false
	}
	disp := filepathToSlash(r.display(rel))
	for _, g := range r.paths {
		if ok, _ := path.Match(g, disp); ok {
			return true
		}
	}
	return false
}

// isPseudoTop reports the kernel's pseudo file systems on a live Linux
// root; they are never walked, even with CrossFS.
func isPseudoTop(rel string, display func(string) string) bool {
	switch display(rel) {
	case "/proc", "/sys", "/dev":
		return true
	}
	return false
}

// cloudNames are folders that sync clients keep in a user's profile.
// Reading their placeholders can make the client download every file.
var cloudNames = []string{"onedrive", "dropbox", "google drive", "icloud drive", "box", "box sync",
	"pcloud drive", "mega", "nextcloud", "owncloud"}

// isCloudSync reports a cloud-sync folder: one of cloudNames (or a
// "OneDrive - Company" folder) directly in a profile, or macOS's
// Library/CloudStorage and Library/Mobile Documents.
func isCloudSync(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts) == 3 && (strings.EqualFold(parts[0], "Users") || parts[0] == "home") {
		n := strings.ToLower(parts[2])
		if strings.HasPrefix(n, "onedrive") {
			return true
		}
		for _, c := range cloudNames {
			if n == c {
				return true
			}
		}
	}
	if len(parts) == 4 && parts[2] == "Library" && (parts[3] == "CloudStorage" || parts[3] == "Mobile Documents") {
		return true
	}
	return false
}

func filepathToSlash(p string) string { return strings.ReplaceAll(p, `\`, "/") }
