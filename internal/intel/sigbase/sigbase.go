// Package sigbase loads the plain IOC files analysts keep in the layout of
// Florian Roth's signature-base (as read by LOKI and THOR): hash lists,
// filename regex lists and C2 lists. Each loader returns an *intel.Intel
// with one source per file; every problem is an *intel.LoadError naming the
// file, the line and the reason, and a malformed file is an error, never a
// partial result. See README.md for the formats and the decisions taken
// where signature-base's own tools are lenient.
package sigbase

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Format is one of the signature-base file kinds.
type Format string

// Formats.
const (
	Hash     Format = "hash"     // DIGEST;COMMENT or DIGEST;SCORE;COMMENT
	Filename Format = "filename" // REGEX;SCORE[;FALSE_POSITIVE_REGEX]
	C2       Format = "c2"       // DOMAIN_OR_IP[;COMMENT]
)

// Default scores where a line gives none.
const (
	DefaultHashScore     = 100 // LOKI's score for a hash match
	DefaultFilenameScore = 60  // a regex-only line (old signature-base blocks)
	DefaultC2Score       = 80  // contact with a listed C2
)

// Options control a load. The zero value detects the format from the file
// name and fails on the first regex RE2 cannot run.
type Options struct {
	// Format overrides detection from the file name.
	Format Format
	// Source is the source ID given to the records; default "sigbase:" and
	// the file's base name.
	Source string
	// Incident, when set, is attached to every indicator.
	Incident string
	// SkipUnsupported skips filename regexes that need PCRE features RE2
	// lacks (look-arounds, back-references), reporting each through Warn,
	// instead of failing the file.
	SkipUnsupported bool
	// Warn receives lines that were deliberately not loaded (an empty-file
	// digest, a skipped regex). Nil discards them.
	Warn func(*intel.LoadError)
	// MaxLines caps the lines of one file; 0 means DefaultMaxLines.
	MaxLines int
}

// ParseFormat accepts a format name as given on a command line.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Hash, Filename, C2:
		return f, nil
	}
	return "", fmt.Errorf("unknown signature-base format %q (want hash, filename or c2)", s)
}

// DetectFormat tells the format from a file name the way signature-base
// tools do: the name contains "hash", "filename" or the word "c2". Lists
// of false positives or trusted hashes are refused: loaded as IOCs they
// would turn an allow-list into alerts.
func DetectFormat(name string) (Format, error) {
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	for _, allow := range []string{"falsepositive", "false-positive", "false_positive", "trusted", "whitelist", "allowlist"} {
		if strings.Contains(base, allow) {
			return "", fmt.Errorf("%s looks like an allow-list (%q in its name), not IOCs: give the format explicitly if it does hold IOCs", name, allow)
		}
	}
	var found []Format
	if strings.Contains(base, "hash") {
		found = append(found, Hash)
	}
	if strings.Contains(base, "filename") {
		found = append(found, Filename)
	}
	words := strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if w == "c2" {
			found = append(found, C2)
			break
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("cannot tell the format of %s from its name (want \"hash\", \"filename\" or the word \"c2\" in it): give the format explicitly", name)
	}
	return "", fmt.Errorf("the name of %s fits several formats %v: give the format explicitly", name, found)
}

// LoadFile opens and loads one IOC file.
func LoadFile(path string, opts Options) (*intel.Intel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &intel.LoadError{File: path, Err: err}
	}
	defer f.Close()
	return Load(path, f, opts)
}

// Load reads one IOC file from r; name is used for format detection, the
// default source ID and in errors.
func Load(name string, r io.Reader, opts Options) (*intel.Intel, error) {
	format := opts.Format
	if format == "" {
		var err error
		if format, err = DetectFormat(name); err != nil {
			return nil, &intel.LoadError{File: name, Err: err}
		}
	}
	src := intel.Source{ID: opts.Source, Name: filepath.Base(name), Kind: "sigbase", Location: name,
		Description: "signature-base style " + string(format) + " IOC list"}
	if src.ID == "" {
		src.ID = "sigbase:" + filepath.Base(name)
	}
	l := &loader{opts: opts, src: src, lines: newLineReader(name, r, opts.MaxLines)}
	in := &intel.Intel{Sources: []intel.Source{src}}
	var err error
	switch format {
	case Hash:
		err = l.hashes(in)
	case Filename:
		err = l.filenames(in)
	case C2:
		err = l.c2s(in)
	default:
		_, err = ParseFormat(string(format))
		err = &intel.LoadError{File: name, Err: err}
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

// loader carries one file's state through a format's parser.
type loader struct {
	opts  Options
	src   intel.Source
	lines *lineReader
	errs  []error
}

// maxErrors is how many bad lines are reported before a load gives up.
const maxErrors = 10

// fail records a problem at the current line; it reports whether the
// loader should stop.
func (l *loader) fail(err error) bool {
	l.errs = append(l.errs, &intel.LoadError{File: l.lines.name, Line: l.lines.n, Err: err})
	return len(l.errs) >= maxErrors
}

// result returns the recorded problems: a single *intel.LoadError, or
// several joined.
func (l *loader) result() error {
	switch len(l.errs) {
	case 0:
		return nil
	case 1:
		return l.errs[0]
	}
	return errors.Join(l.errs...)
}

func (l *loader) warn(err error) {
	if l.opts.Warn != nil {
		l.opts.Warn(&intel.LoadError{File: l.lines.name, Line: l.lines.n, Err: err})
	}
}
