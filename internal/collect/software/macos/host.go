package macos

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Files HostInfo reads, relative to the root.
const (
	SystemVersionPath = "System/Library/CoreServices/SystemVersion.plist"
	PreferencesPath   = "Library/Preferences/SystemConfiguration/preferences.plist"
)

type systemVersion struct {
	ProductName    text `plist:"ProductName"`
	ProductVersion text `plist:"ProductVersion"`
	Build          text `plist:"ProductBuildVersion"`
}

type preferences struct {
	System struct {
		System struct {
			HostName     text `plist:"HostName"`
			ComputerName text `plist:"ComputerName"`
		} `plist:"System"`
		Network struct {
			HostNames struct {
				LocalHostName text `plist:"LocalHostName"`
			} `plist:"HostNames"`
		} `plist:"Network"`
	} `plist:"System"`
}

// HostInfo reads what a macOS tree records about its machine. It sets OS
// ("macos"), OSVersion (e.g. "macOS 13.2.1 (22D68)") and Name (the
// configured HostName, else LocalHostName, else ComputerName); the other
// fields are the caller's. Missing files leave their fields empty; the
// error joins the problems with files that exist but cannot be read.
func HostInfo(fsys fs.FS) (snapshot.Host, error) {
	h := snapshot.Host{OS: "macos"}
	var errs []error
	var sv systemVersion
	if err := readPlistFile(fsys, SystemVersionPath, &sv); err != nil {
		errs = append(errs, err)
	}
	h.OSVersion = osVersion(sv)
	var prefs preferences
	if err := readPlistFile(fsys, PreferencesPath, &prefs); err != nil {
		errs = append(errs, err)
	}
	s := prefs.System
	h.Name = firstOf(string(s.System.HostName), string(s.Network.HostNames.LocalHostName),
		string(s.System.ComputerName))
	return h, errors.Join(errs...)
}

func osVersion(sv systemVersion) string {
	v := strings.TrimSpace(strings.Join([]string{string(sv.ProductName), string(sv.ProductVersion)}, " "))
	if sv.Build != "" && v != "" {
		v += " (" + string(sv.Build) + ")"
	}
	return v
}

// readPlistFile decodes name into v; a missing file is not an error.
func readPlistFile(fsys fs.FS, name string, v any) error {
	data, err := readRegular(fsys, name, maxPlist)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := decodePlist(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
