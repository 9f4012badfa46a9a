//go:build !windows

package live

import "strings"

// relOf turns a path the OS reports into one relative to the live root.
func relOf(p string) (string, bool) {
	rel, ok := strings.CutPrefix(p, "/")
	return rel, ok && rel != ""
}
