package linux

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Files HostInfo reads, relative to the root; os-release in order of
// preference.
var osReleasePaths = []string{"etc/os-release", "usr/lib/os-release"}

const hostnamePath = "etc/hostname"

// maxSmallFile caps os-release and hostname files.
const maxSmallFile = 64 << 10

// OSRelease holds the os-release fields cascade uses.
type OSRelease struct {
	PrettyName string // PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)"
	Name       string // NAME
	ID         string // ID, e.g. "debian"
	VersionID  string // VERSION_ID, e.g. "12"; absent on rolling releases
	Version    string // VERSION
}

// ReadOSRelease reads etc/os-release, or usr/lib/os-release when the
// first is missing. With neither, it returns fs.ErrNotExist.
func ReadOSRelease(fsys fs.FS) (OSRelease, error) {
	for _, p := range osReleasePaths {
		data, err := readRegular(fsys, p, maxSmallFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return OSRelease{}, err
		}
		return parseOSRelease(data), nil
	}
	return OSRelease{}, fmt.Errorf("os-release: %w", fs.ErrNotExist)
}

// HostInfo reads what a Linux tree records about its machine. It sets OS
// ("linux"), OSVersion (os-release's PRETTY_NAME, else NAME and VERSION or
// VERSION_ID) and Name (etc/hostname); the other fields are the caller's.
// Missing files leave their fields empty; the error joins the problems
// with files that exist but cannot be read.
func HostInfo(fsys fs.FS) (snapshot.Host, error) {
	h := snapshot.Host{OS: "linux"}
	var errs []error
	rel, err := ReadOSRelease(fsys)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	h.OSVersion = rel.describe()
	data, err := readRegular(fsys, hostnamePath, maxSmallFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, err)
	default:
		h.Name = parseHostname(data)
	}
	return h, errors.Join(errs...)
}

func (r OSRelease) describe() string {
	if r.PrettyName != "" {
		return r.PrettyName
	}
	name := firstOf(r.Name, r.ID)
	if v := firstOf(r.Version, r.VersionID); v != "" && name != "" {
		return name + " " + v
	}
	return name
}

// parseOSRelease reads KEY=value lines, values optionally quoted in the
// shell's way; other lines are ignored.
func parseOSRelease(data []byte) OSRelease {
	var r OSRelease
	fields := map[string]*string{"PRETTY_NAME": &r.PrettyName, "NAME": &r.Name, "ID": &r.ID,
		"VERSION_ID": &r.VersionID, "VERSION": &r.Version}
	for len(data) > 0 {
		var line []byte
		line, data = cutLine(data)
		key, value, ok := strings.Cut(strings.TrimSpace(string(line)), "=")
		if dst := fields[key]; ok && dst != nil {
			*dst = clip(unquote(value))
		}
	}
	return r
}

// unquote undoes os-release quoting: "…" or '…', with backslash escapes
// inside double quotes.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	inner := v[1 : len(v)-1]
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) && strings.IndexByte("\"\\$`", inner[i+1]) >= 0 {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

// parseHostname returns the first line of etc/hostname that is not empty
// or a comment.
func parseHostname(data []byte) string {
	for len(data) > 0 {
		var line []byte
		line, data = cutLine(data)
		if s := strings.TrimSpace(string(line)); s != "" && s[0] != '#' {
			return clip(s)
		}
	}
	return ""
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
