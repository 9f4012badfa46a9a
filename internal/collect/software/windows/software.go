package windows

import (
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// valueSource is an Uninstall entry's values, read from a hive file (key)
// or from the live registry. Both readers feed softwareFrom, so the tested
// offline path covers the live one's field mapping.
type valueSource interface {
	// stringValue returns a REG_SZ or REG_EXPAND_SZ value without its NUL.
	stringValue(name string) (string, bool)
	// intValue returns a REG_DWORD or REG_QWORD value.
	intValue(name string) (uint64, bool)
}

// view is one Uninstall key to read: where it is inside its hive (or
// registry root) and how its entries are labelled.
type view struct {
	path   []string // components below the hive root
	wow    bool     // the 32-bit (WOW6432Node) view
	scope  string
	user   string
	source string // registry path of the Uninstall key, for Source
	arch   string
}

var uninstallPath = []string{"Microsoft", "Windows", "CurrentVersion", "Uninstall"}

// machineViews are the Uninstall keys of a SOFTWARE hive (HKLM\SOFTWARE).
// hasWOW says whether the hive has a WOW6432Node key, that is whether the
// system is 64-bit; the native view of a 32-bit system is x86.
func machineViews(hasWOW bool) []view {
	native := view{path: uninstallPath, scope: snapshot.ScopeMachine,
		source: `HKLM\SOFTWARE\` + strings.Join(uninstallPath, `\`), arch: nativeArch(hasWOW)}
	if !hasWOW {
		return []view{native}
	}
	wow := view{path: append([]string{"WOW6432Node"}, uninstallPath...), wow: true,
		scope: snapshot.ScopeMachine, arch: "x86"}
	wow.source = `HKLM\SOFTWARE\` + strings.Join(wow.path, `\`)
	return []view{native, wow}
}

// userViews are the Uninstall keys of a user's NTUSER.DAT (HKU\<user>).
// HKCU\Software is shared by 32- and 64-bit programs, so the native view
// says nothing about an entry's architecture and Arch stays empty; the
// rarely used WOW6432Node twin is x86.
func userViews(user string) []view {
	native := view{path: append([]string{"Software"}, uninstallPath...)}
	wow := view{path: append([]string{"Software", "WOW6432Node"}, uninstallPath...), wow: true, arch: "x86"}
	out := []view{native, wow}
	for i := range out {
		out[i].scope, out[i].user = snapshot.ScopeUser, user
		out[i].source = `HKU\` + user + `\` + strings.Join(out[i].path, `\`)
	}
	return out
}

func nativeArch(hasWOW bool) string {
	if hasWOW {
		return "x64"
	}
	return "x86"
}

// softwareFrom turns one Uninstall entry (subkey keyName of view v) into a
// software record. ok is false for entries without a DisplayName, which
// Windows does not list as installed programs either.
func softwareFrom(vals valueSource, v view, keyName string) (sw snapshot.Software, ok bool) {
	name, _ := vals.stringValue("DisplayName")
	if name = strings.TrimSpace(name); name == "" {
		return snapshot.Software{}, false
	}
	str := func(n string) string { s, _ := vals.stringValue(n); return strings.TrimSpace(s) }
	sw = snapshot.Software{
		Name:        name,
		Identifier:  keyName,
		Vendor:      str("Publisher"),
		Version:     entryVersion(vals),
		Arch:        v.arch,
		Platform:    "windows",
		Ecosystem:   "windows",
		Scope:       v.scope,
		User:        v.user,
		Source:      "registry:" + v.source + `\` + keyName,
		InstallPath: strings.TrimSpace(strings.Trim(str("InstallLocation"), `"`)),
		InstallDate: parseInstallDate(str("InstallDate")),
	}
	if sw.InstallDate != nil {
		sw.InstallDateFrom = "registry InstallDate"
	}
	return sw, true
}

// entryVersion is DisplayVersion, or else the packed Version DWORD
// (major<<24 | minor<<16 | build) or VersionMajor.VersionMinor that MSI
// entries also carry.
func entryVersion(vals valueSource) string {
	if s, ok := vals.stringValue("DisplayVersion"); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	if v, ok := vals.intValue("Version"); ok && v != 0 {
		return fmt.Sprintf("%d.%d.%d", v>>24&0xff, v>>16&0xff, v&0xffff)
	}
	maj, ok1 := vals.intValue("VersionMajor")
	minor, ok2 := vals.intValue("VersionMinor")
	if ok1 && ok2 {
		return fmt.Sprintf("%d.%d", maj, minor)
	}
	return ""
}

// parseInstallDate reads the InstallDate value (YYYYMMDD, as Windows
// Installer writes it; some installers write YYYY-MM-DD). Anything else,
// including impossible dates, gives nil.
func parseInstallDate(s string) *time.Time {
	for _, layout := range []string{"20060102", "2006-01-02"} {
		if len(s) != len(layout) {
			continue
		}
		t, err := time.Parse(layout, s)
		if err == nil && t.Year() >= 1980 && t.Year() < 2200 {
			return &t
		}
	}
	return nil
}
