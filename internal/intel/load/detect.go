package load

import (
	"bytes"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel/sigbase"
)

// Formats Detect can name.
const (
	FormatNative  = "cascade"
	FormatSigbase = "sigbase"
	FormatUnknown = "unknown"
)

// Detect names the format of an intel file from its name and first bytes.
func Detect(name string, data []byte) string {
	head := data[:min(len(data), 4096)]
	if bytes.Contains(head, []byte(`"cascade.intel/`)) {
		return FormatNative
	}
	if _, err := sigbase.DetectFormat(filepath.Base(name)); err == nil {
		return FormatSigbase
	}
	return FormatUnknown
}
