package collect

import "strings"

// UserFromPath returns the account whose profile holds rel (a slash path
// relative to the root): Users/<name>/… on Windows and macOS, home/<name>/…
// and root/… on Linux. It returns "" outside a profile.
func UserFromPath(osName, rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	switch {
	case strings.EqualFold(parts[0], "Users") && osName != "linux":
		if isSharedProfile(parts[1]) {
			return ""
		}
		return parts[1]
	case parts[0] == "home" && osName == "linux":
		return parts[1]
	case parts[0] == "root" && osName == "linux":
		return "root"
	}
	return ""
}

func isSharedProfile(name string) bool {
	switch strings.ToLower(name) {
	case "public", "default", "default user", "all users", "shared":
		return true
	}
	return false
}
