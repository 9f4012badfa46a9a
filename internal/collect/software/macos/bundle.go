package macos

import "strings"

const infoPlistSuffix = "/Contents/Info.plist"

// bundleOf returns the app bundle (a slash path relative to the root) whose
// Info.plist is rel, when that bundle is a top-level app or one folder below
// Applications/ or Users/<name>/Applications/. Bundles nested inside other
// bundles are helpers and plug-ins, not products, and are refused. It only
// does string checks: the walk calls it for every file.
func bundleOf(rel string) (string, bool) {
	if len(rel) <= len(infoPlistSuffix) || !strings.EqualFold(rel[len(rel)-len(infoPlistSuffix):], infoPlistSuffix) {
		return "", false
	}
	bundle := rel[:len(rel)-len(infoPlistSuffix)]
	if !hasAppSuffix(bundle) {
		return "", false
	}
	rest, ok := cutApplications(bundle)
	if !ok {
		return "", false
	}
	// rest is "X.app" or "Folder/X.app".
	switch strings.Count(rest, "/") {
	case 0:
	case 1:
		if hasAppSuffix(rest[:strings.IndexByte(rest, '/')]) {
			return "", false
		}
	default:
		return "", false
	}
	if !hasAppSuffix(rest[strings.LastIndexByte(rest, '/')+1:]) {
		return "", false // a bundle needs a name before ".app"
	}
	return bundle, true
}

// cutApplications strips "Applications/" or "Users/<name>/Applications/".
func cutApplications(p string) (string, bool) {
	if rest, ok := cutFold(p, "Applications/"); ok {
		return rest, true
	}
	rest, ok := cutFold(p, "Users/")
	if !ok {
		return "", false
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return "", false
	}
	return cutFold(rest[slash+1:], "Applications/")
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

func hasAppSuffix(p string) bool {
	return len(p) > 4 && strings.EqualFold(p[len(p)-4:], ".app")
}

// bundleName is the bundle's folder name without ".app".
func bundleName(bundle string) string {
	name := bundle[strings.LastIndexByte(bundle, '/')+1:]
	return name[:len(name)-4]
}
