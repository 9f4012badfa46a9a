package load

import (
	"bytes"
)

// Formats Detect can name.
const (
	FormatNative  = "cascade"
	FormatUnknown = "unknown"
)

// Detect names the format of an intel file from its name and first bytes.
func Detect(name string, data []byte) string {
	head := data[:min(len(data), 4096)]
	if bytes.Contains(head, []byte(`"cascade.intel/`)) {
		return FormatNative
	}
	return FormatUnknown
}
