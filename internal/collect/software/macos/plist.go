package macos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/cascade-ir/cascade/internal/guard"
)

// maxPlist caps the size of a plist read from a scanned tree; real
// Info.plist files are a few kilobytes.
const maxPlist = 4 << 20

// The plist library recurses once per nesting level, and a few megabytes
// of nesting cost hundreds of megabytes of stack, so nesting is bounded
// before the library sees the data.
const (
	maxXMLDepth         = 256   // nested XML elements
	maxTextOpeners      = 20000 // '(' and '{' in an OpenStep/GNUstep plist
	maxBinaryContainers = 20000 // arrays, sets and dictionaries in a bplist
)

var errTooDeep = errors.New("plist nests too deeply to parse safely")

// decodePlist decodes an XML, binary or text plist into v, a struct whose
// fields are text values or nested structs. Panics in the parser become
// errors.
func decodePlist(data []byte, v any) (err error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty plist")
	}
	if err := checkNesting(data); err != nil {
		return err
	}
	defer guard.Recover(&err, "plist parser", "")
	if _, err := plist.Unmarshal(data, v); err != nil {
		return err
	}
	return nil
}

// text is a plist value read as text: strings as they are, numbers and
// booleans formatted, anything else (arrays, dictionaries, data) left
// empty. Reading a field as text never walks a nested value, so shared
// sub-trees in a binary plist cannot blow up.
type text string

// UnmarshalPlist implements plist.Unmarshaler.
func (t *text) UnmarshalPlist(unmarshal func(any) error) error {
	var s string
	if unmarshal(&s) == nil {
		*t = text(clip(s))
		return nil
	}
	var i int64
	if unmarshal(&i) == nil {
		*t = text(strconv.FormatInt(i, 10))
		return nil
	}
	var f float64
	if unmarshal(&f) == nil {
		*t = text(strconv.FormatFloat(f, 'g', -1, 64))
		return nil
	}
	var b bool
	if unmarshal(&b) == nil {
		*t = text(strconv.FormatBool(b))
	}
	return nil
}

// maxText caps one text value; names and versions are short, and a
// hostile plist must not put megabytes into every record.
const maxText = 1024

// clip cuts s to maxText bytes without splitting a character.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "")
}

// checkNesting refuses data whose nesting could exhaust the stack.
func checkNesting(data []byte) error {
	if bytes.HasPrefix(data, []byte("bplist")) {
		return checkBinaryNesting(data)
	}
	if xmlDepth(data) > maxXMLDepth {
		return fmt.Errorf("%w: XML elements nest over %d deep", errTooDeep, maxXMLDepth)
	}
	if !looksXML(data) {
		n := bytes.Count(data, []byte("(")) + bytes.Count(data, []byte("{"))
		if n > maxTextOpeners {
			return fmt.Errorf("%w: %d brackets in a text plist (limit %d)", errTooDeep, n, maxTextOpeners)
		}
	}
	return nil
}

// looksXML reports whether the parser will take data as XML and never fall
// back to its text parser: XML that fails after its first token is an
// error, and text parsing of "<?", "<!" or "<p" fails at the first byte.
func looksXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(data, []byte("<?")) || bytes.HasPrefix(data, []byte("<!")) ||
		bytes.HasPrefix(data, []byte("<plist"))
}

// xmlDepth is the deepest element nesting in data, skipping comments,
// CDATA sections and processing instructions. Strict XML allows no '<'
// elsewhere, so this bounds the parser's recursion.
func xmlDepth(data []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(data); i++ {
		if data[i] != '<' || i+1 >= len(data) {
			continue
		}
		rest := data[i+1:]
		switch {
		case bytes.HasPrefix(rest, []byte("!--")):
			i += skipPast(rest, "-->")
		case bytes.HasPrefix(rest, []byte("![CDATA[")):
			i += skipPast(rest, "]]>")
		case rest[0] == '?' || rest[0] == '!':
		case rest[0] == '/':
			if depth > 0 {
				depth--
			}
		default:
			end := bytes.IndexByte(rest, '>')
			if end > 0 && rest[end-1] == '/' {
				continue // <empty/>
			}
			if depth++; depth > deepest {
				deepest = depth
			}
		}
	}
	return deepest
}

// skipPast returns how far past the end of marker in b the scan may jump,
// or len(b) when marker is missing.
func skipPast(b []byte, marker string) int {
	if i := bytes.Index(b, []byte(marker)); i >= 0 {
		return i + len(marker)
	}
	return len(b)
}

// checkBinaryNesting counts the containers a binary plist's offset table
// points at: the parser's recursion never goes deeper than that count.
func checkBinaryNesting(data []byte) error {
	if len(data) < 40 {
		return nil // the parser refuses it without recursing
	}
	trailer := data[len(data)-32:]
	offSize := int(trailer[6])
	count := binary.BigEndian.Uint64(trailer[8:])
	table := binary.BigEndian.Uint64(trailer[24:])
	if offSize < 1 || offSize > 8 || table >= uint64(len(data)) ||
		count > (uint64(len(data))-table)/uint64(offSize) {
		return nil // the parser validates the trailer and refuses it
	}
	containers := 0
	for i := uint64(0); i < count; i++ {
		at := table + i*uint64(offSize)
		off := readUint(data[at : at+uint64(offSize)])
		if off >= uint64(len(data)) {
			continue
		}
		switch data[off] >> 4 {
		case 0xA, 0xB, 0xC, 0xD: // array, ordset, set, dict
			containers++
		}
	}
	if containers > maxBinaryContainers {
		return fmt.Errorf("%w: %d containers in a binary plist (limit %d)", errTooDeep, containers, maxBinaryContainers)
	}
	return nil
}

func readUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// DecodePlist decodes an XML, binary or text plist into v with the bounds
// this package applies (size is the caller's; nesting is checked here) and
// parser panics turned into errors. Other collectors read plists with it.
func DecodePlist(data []byte, v any) error { return decodePlist(data, v) }
