package live

import (
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/source"
)

// relOf turns a path the OS reports (C:\Windows\…) into one relative to
// the live root; a path on another volume has none.
func relOf(p string) (string, bool) {
	vol := filepath.VolumeName(source.LiveRoot())
	if vol == "" || len(p) <= len(vol)+1 || !strings.EqualFold(p[:len(vol)], vol) || p[len(vol)] != '\\' {
		return "", false
	}
	return strings.ReplaceAll(p[len(vol)+1:], `\`, "/"), true
}
