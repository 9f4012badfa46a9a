package windows

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

var softwareHivePath = []string{"Windows", "System32", "config", "SOFTWARE"}

// hiveKind says which hive rel (a slash path relative to the root) is:
// machineHive for Windows/System32/config/SOFTWARE, userHive (with the
// profile's user name) for Users/<name>/NTUSER.DAT outside the shared
// profiles (Public, Default, …), 0 otherwise. Components match without
// regard to case, as on NTFS.
func hiveKind(rel string) (int, string) {
	n := strings.Count(rel, "/") + 1
	switch {
	case n == len(softwareHivePath) && foldEqual(rel, softwareHivePath):
		return machineHive, ""
	case n == 3:
		top, rest, _ := strings.Cut(rel, "/")
		_, file, _ := strings.Cut(rest, "/")
		if !strings.EqualFold(top, "Users") || !strings.EqualFold(file, "NTUSER.DAT") {
			return 0, ""
		}
		if user := collect.UserFromPath("windows", rel); user != "" {
			return userHive, user
		}
	}
	return 0, ""
}

// foldEqual reports whether rel's components are comps, ignoring case; the
// caller has checked that their counts agree. It runs for every file of a
// scan, so it does not allocate.
func foldEqual(rel string, comps []string) bool {
	for _, c := range comps {
		var p string
		p, rel, _ = strings.Cut(rel, "/")
		if !strings.EqualFold(p, c) {
			return false
		}
	}
	return true
}
