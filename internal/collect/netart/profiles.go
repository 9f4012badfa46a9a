package netart

import "strings"

// Browser names recorded in artifacts.
const (
	Chrome   = "chrome"
	Edge     = "edge"
	Brave    = "brave"
	Chromium = "chromium"
	Firefox  = "firefox"
)

// Database families.
const (
	familyChromium = "chromium" // History: urls, visits, downloads
	familyFirefox  = "firefox"  // places.sqlite: moz_places, moz_historyvisits, moz_annos
)

// chromiumDataDirs maps a browser's user-data directory, relative to the
// user's home and in lower case, to the browser. Profiles ("Default",
// "Profile 1", …) are its direct sub-directories.
var chromiumDataDirs = map[string]string{
	// Windows
	"appdata/local/google/chrome/user data":               Chrome,
	"appdata/local/google/chrome beta/user data":          Chrome,
	"appdata/local/google/chrome sxs/user data":           Chrome,
	"appdata/local/microsoft/edge/user data":              Edge,
	"appdata/local/microsoft/edge beta/user data":         Edge,
	"appdata/local/bravesoftware/brave-browser/user data": Brave,
	"appdata/local/chromium/user data":                    Chromium,
	// macOS
	"library/application support/google/chrome":               Chrome,
	"library/application support/google/chrome beta":          Chrome,
	"library/application support/google/chrome canary":        Chrome,
	"library/application support/microsoft edge":              Edge,
	"library/application support/bravesoftware/brave-browser": Brave,
	"library/application support/chromium":                    Chromium,
	// Linux
	".config/google-chrome":               Chrome,
	".config/google-chrome-beta":          Chrome,
	".config/google-chrome-unstable":      Chrome,
	".config/microsoft-edge":              Edge,
	".config/bravesoftware/brave-browser": Brave,
	".config/chromium":                    Chromium,
	"snap/chromium/common/chromium":       Chromium,
}

// firefoxProfileDirs are the directories, relative to the user's home and
// in lower case, whose direct sub-directories are Firefox profiles.
var firefoxProfileDirs = map[string]bool{
	"appdata/roaming/mozilla/firefox/profiles":      true, // Windows
	"library/application support/firefox/profiles":  true, // macOS
	".mozilla/firefox":                              true, // Linux
	"snap/firefox/common/.mozilla/firefox":          true, // Ubuntu snap
	".var/app/org.mozilla.firefox/.mozilla/firefox": true, // Flatpak
}

// profileDB says which browser wrote the database at rel (a slash path
// relative to the source root) and in which schema family. It is called for
// every file of a scan, so it decides on the base name before anything else.
func profileDB(rel string) (browser, family string, ok bool) {
	slash := strings.LastIndexByte(rel, '/')
	base := rel[slash+1:]
	switch {
	case strings.EqualFold(base, "History"):
		family = familyChromium
	case strings.EqualFold(base, "places.sqlite"):
		family = familyFirefox
	default:
		return "", "", false
	}
	dir, ok := profileParent(homeRelative(rel))
	if !ok {
		return "", "", false
	}
	dir = strings.ToLower(dir)
	if family == familyFirefox {
		return Firefox, family, firefoxProfileDirs[dir]
	}
	browser, ok = chromiumDataDirs[dir]
	return browser, family, ok
}

// homeRelative strips the profile prefix (Users/<u>/, home/<u>/ or root/)
// from rel, or returns "" when rel is not in a user's home.
func homeRelative(rel string) string {
	first, rest, ok := strings.Cut(rel, "/")
	if !ok {
		return ""
	}
	if first == "root" {
		return rest
	}
	if first != "home" && !strings.EqualFold(first, "Users") {
		return ""
	}
	if _, rest, ok = strings.Cut(rest, "/"); !ok {
		return ""
	}
	return rest
}

// profileParent drops the last two components (profile directory and file
// name) of a home-relative path.
func profileParent(p string) (string, bool) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "", false
	}
	j := strings.LastIndexByte(p[:i], '/')
	if j <= 0 || j == i-1 {
		return "", false
	}
	return p[:j], true
}
