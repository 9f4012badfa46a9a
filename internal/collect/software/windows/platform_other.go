//go:build !windows

package windows

// profileLoaded reports whether the profile in dir belongs to a user whose
// hive is loaded under HKEY_USERS. Only a live Windows host has one.
func profileLoaded(dir string) (bool, error) { return false, nil }

// isSharingViolation reports whether err is Windows' "file in use" error.
func isSharingViolation(err error) bool { return false }
