package load

import (
	"bytes"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel/misp"
	"github.com/cascade-ir/cascade/internal/intel/sigbase"
	"github.com/cascade-ir/cascade/internal/intel/stix"
)

// Formats Detect can name.
const (
	FormatNative      = "cascade"
	FormatSigbase     = "sigbase"
	FormatSTIX        = "stix"
	FormatMISP        = "misp"
	FormatMISPFeed    = "misp-feed"
	FormatWarninglist = "misp-warninglist"
	FormatUnknown     = "unknown"
)

// Detect names the format of an intel file from its content, falling back
// on its name for signature-base lists.
func Detect(name string, data []byte) string {
	head := data[:min(len(data), 4096)]
	switch {
	case bytes.Contains(head, []byte(`"cascade.intel/`)):
		return FormatNative
	case misp.SniffEvent(head):
		return FormatMISP
	case stix.Sniff(head):
		return FormatSTIX
	case misp.SniffWarninglist(head):
		return FormatWarninglist
	}
	if _, err := sigbase.DetectFormat(filepath.Base(name)); err == nil {
		return FormatSigbase
	}
	return FormatUnknown
}
