package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/sigbase"
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

// Detect names the format of an intel file. Content decides: a JSON
// document by its structure, whatever the order of its keys. The name only
// breaks the tie among text formats: a signature-base list says by its
// name whether it holds hashes, file names or C2 addresses.
func Detect(name string, data []byte) string {
	f, err := detect(name, bytesOpener(data))
	if err != nil {
		return FormatUnknown
	}
	return f
}

// opener gives a fresh reader of an intel file's content, so a syntax
// error found in a fast pass can be placed exactly by a second.
type opener func() (io.ReadCloser, error)

func bytesOpener(data []byte) opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// detect is Detect over content open gives. A JSON document that is cut
// short or malformed is a *jsonSyntaxError; text whose name says nothing
// is an error saying why.
func detect(name string, open opener) (string, error) {
	if yaraName(name) {
		return FormatYARA, nil
	}
	f, err := detectPass(name, open, true)
	var se *jsonSyntaxError
	if errors.As(err, &se) && se.Imprecise {
		return detectPass(name, open, false)
	}
	return f, err
}

func detectPass(name string, open opener, fast bool) (string, error) {
	r, err := open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	c, skipped, err := firstByte(br)
	if err == nil && (c == '{' || c == '[') {
		f, err := sniffJSON(br, fast)
		var se *jsonSyntaxError
		if errors.As(err, &se) {
			if se.Early && sigbaseName(name) {
				return FormatSigbase, nil // a list whose first line starts with a bracket
			}
			se.Offset += skipped
		}
		return f, err
	}
	if _, err := sigbase.DetectFormat(filepath.Base(name)); err != nil {
		return FormatUnknown, fmt.Errorf("not JSON, and %w", err)
	}
	return FormatSigbase, nil
}

// firstByte returns the first byte after a UTF-8 byte-order mark and
// white space, left unread, and how many bytes came before it.
func firstByte(br *bufio.Reader) (byte, int64, error) {
	var n int64
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		n = 3
	}
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, n, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			n++
			continue
		}
		return c, n, br.UnreadByte()
	}
}

func sigbaseName(name string) bool {
	_, err := sigbase.DetectFormat(filepath.Base(name))
	return err == nil
}

// detectError turns what detect found wrong into an error naming the file
// and, for JSON, the line and column (lineCol maps a byte offset).
func detectError(name string, err error, lineCol func(int64) (int, int)) error {
	var se *jsonSyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(se.Offset)
		return &intel.LoadError{File: name, Line: line, Column: col, Err: fmt.Errorf("malformed JSON: %w", se)}
	}
	return unknownFormat(name, err.Error())
}

// unknownFormat says what the loaders read, and why this file is none.
func unknownFormat(name, why string) error {
	return &intel.LoadError{File: name, Err: fmt.Errorf("unknown intel format (%s): want a cascade intel JSON document, "+
		"a STIX 2.1 bundle or object list, a MISP event, event list or search response, a MISP warninglist, "+
		"or a signature-base list named like *hash*.txt, *filename*.txt or *c2*.txt", why)}
}
