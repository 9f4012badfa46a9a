package collect

import "strings"

// UserFromPath returns the account whose profile holds rel (a slash path
// relative to the root): Users/<name>/… on Windows and macOS, home/<name>/…
// and root/… on Linux. It returns "" outside a profile. It does not
// allocate: it runs for every file of a scan.
func UserFromPath(osName, rel string) string {
	top, rest, ok := strings.Cut(rel, "/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "" {
		return ""
	}
	switch {
	case strings.EqualFold(top, "Users") && osName != "linux":
		if isSharedProfile(name) {
			return ""
		}
		return name
	case top == "home" && osName == "linux":
		return name
	case top == "root" && osName == "linux":
		return "root"
	}
	return ""
}

func isSharedProfile(name string) bool {
	for _, s := range []string{"public", "default", "default user", "all users", "shared"} {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}
