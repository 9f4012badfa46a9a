// Package load reads intel files in any supported format, choosing the
// loader from the file's content (and, for text lists, its name).
package load

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/misp"
	"github.com/cascade-ir/cascade/internal/intel/sigbase"
	"github.com/cascade-ir/cascade/internal/intel/stix"
)

// maxIntelFile bounds one intel file read into memory (the formats that
// are not streamed).
const maxIntelFile = 1 << 30

// File loads one intel file. Signature-base lists and STIX documents are
// streamed, so a million-line hash list or a bundle of hundreds of
// megabytes never sits in memory as text.
func File(name string) (*intel.Intel, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	if st.IsDir() {
		if misp.IsFeed(name) {
			return misp.LoadFeed(name)
		}
		return nil, fmt.Errorf("intel %s: a directory; give the files in it", name)
	}
	format, err := detectFile(name)
	if err != nil {
		return nil, detectError(name, err, func(off int64) (int, int) { return intel.FileLineCol(name, off) })
	}
	switch format {
	case FormatSigbase:
		f, _ := sigbase.DetectFormat(filepath.Base(name))
		return sigbase.LoadFile(name, sigbase.Options{Format: f})
	case FormatSTIX:
		return stix.LoadFile(name)
	case FormatUnknown:
		return nil, unknownFormat(name, "a JSON document of no known structure")
	}
	if st.Size() > maxIntelFile {
		return nil, fmt.Errorf("intel %s: %d bytes is over the %d limit", name, st.Size(), maxIntelFile)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	return decode(name, format, data)
}

// DetectFile is Detect for a file on disk, read as a stream; a file that
// cannot be read, or is malformed, is FormatUnknown.
func DetectFile(name string) string {
	f, err := detectFile(name)
	if err != nil {
		return FormatUnknown
	}
	return f
}

func detectFile(name string) (string, error) {
	return detect(name, func() (io.ReadCloser, error) { return os.Open(name) })
}

// Bytes loads intel from data, using its content (and name) to pick the
// format.
func Bytes(name string, data []byte) (*intel.Intel, error) {
	format, err := detect(name, bytesOpener(data))
	if err != nil {
		return nil, detectError(name, err, func(off int64) (int, int) { return intel.LineCol(data, off) })
	}
	if format == FormatUnknown {
		return nil, unknownFormat(name, "a JSON document of no known structure")
	}
	return decode(name, format, data)
}

// decode runs the loader of a detected format over data.
func decode(name, format string, data []byte) (*intel.Intel, error) {
	switch format {
	case FormatNative:
		return intel.DecodeNative(name, data)
	case FormatSTIX:
		return stix.Load(name, data)
	case FormatMISP:
		return misp.Load(name, data)
	case FormatWarninglist:
		return misp.LoadWarninglist(name, data)
	case FormatSigbase:
		f, _ := sigbase.DetectFormat(filepath.Base(name))
		return sigbase.Load(name, bytes.NewReader(data), sigbase.Options{Format: f})
	case FormatYARA:
		return loadYARA(name, data)
	}
	return nil, unknownFormat(name, "format "+format)
}
