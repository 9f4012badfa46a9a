//go:build windows

package windows

import (
	"errors"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const profileList = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`

// profileLoaded reports whether the profile in dir (C:\Users\name) belongs
// to a user whose hive is loaded under HKEY_USERS.
func profileLoaded(dir string) (bool, error) {
	sids, err := loadedSIDs()
	if err != nil {
		return false, err
	}
	for _, sid := range sids {
		if p := profilePath(sid); p != "" && strings.EqualFold(filepath.Clean(p), filepath.Clean(dir)) {
			return true, nil
		}
	}
	return false, nil
}

// loadedSIDs lists the user hives under HKEY_USERS: SIDs, without the
// _Classes hives and .DEFAULT (the default profile's hive).
func loadedSIDs() ([]string, error) {
	names, err := registry.USERS.ReadSubKeyNames(maxSubkeys)
	if err != nil {
		return nil, err
	}
	var sids []string
	for _, n := range names {
		if strings.HasPrefix(n, "S-") && !strings.HasSuffix(strings.ToLower(n), "_classes") {
			sids = append(sids, n)
		}
	}
	return sids, nil
}

// profilePath is the expanded ProfileImagePath of sid, or "".
func profilePath(sid string) string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileList+`\`+sid, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	p, _, err := k.GetStringValue("ProfileImagePath")
	if err != nil {
		return ""
	}
	if x, err := registry.ExpandString(p); err == nil {
		p = x
	}
	return p
}

// profileUser names sid's account after its profile folder, or the SID.
func profileUser(sid string) string {
	p := strings.TrimRight(profilePath(sid), `\`)
	if i := strings.LastIndex(p, `\`); i >= 0 && i+1 < len(p) {
		return p[i+1:]
	}
	return sid
}

// isSharingViolation reports whether err is Windows' "file in use" error,
// which a loaded hive gives.
func isSharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// LoadedUser is a user hive loaded under HKEY_USERS: its SID and the
// account named after its profile folder (the SID when unknown), as the
// live collector labels that user's records.
type LoadedUser struct{ SID, Name string }

// LoadedUsers lists the user hives loaded under HKEY_USERS, for live
// collectors of other packages that read them.
func LoadedUsers() ([]LoadedUser, error) {
	sids, err := loadedSIDs()
	if err != nil {
		return nil, err
	}
	out := make([]LoadedUser, len(sids))
	for i, sid := range sids {
		out[i] = LoadedUser{SID: sid, Name: profileUser(sid)}
	}
	return out, nil
}
