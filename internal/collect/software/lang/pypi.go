package lang

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

// PyPI reads the metadata of installed Python distributions:
//   - …/site-packages/<name>-<ver>.dist-info/METADATA (also dist-packages),
//   - …/<name>-<ver>.egg-info/PKG-INFO (anywhere: setuptools writes it
//     beside the sources of an editable install too),
//   - …/<name>-<ver>-pyX.Y.egg/EGG-INFO/PKG-INFO (zipped-egg layout),
//   - …/site-packages/<name>-<ver>.egg-info as a single file (distutils;
//     Debian's python3-* packages still ship some).
type PyPI struct{}

// NewPyPI returns the Python distribution collector.
func NewPyPI() *PyPI { return &PyPI{} }

// Name implements collect.PathCollector.
func (*PyPI) Name() string { return "pypi" }

// WantsPath implements collect.PathCollector.
func (*PyPI) WantsPath(_ *collect.Env, rel string) bool {
	_, ok := pypiLayout(rel)
	return ok
}

// pypiLayout says, for a metadata file, which directory name carries the
// distribution's name and version (used when a header is missing).
func pypiLayout(rel string) (distDir string, ok bool) {
	if !strings.HasSuffix(rel, "METADATA") && !strings.HasSuffix(rel, "PKG-INFO") &&
		!strings.HasSuffix(rel, ".egg-info") {
		return "", false
	}
	p := lastParts(rel, 3) // file, parent, grandparent
	switch {
	case len(p) == 3 && p[0] == "METADATA":
		return p[1], hasStem(p[1], ".dist-info") && isSitePackages(p[2])
	case len(p) >= 2 && p[0] == "PKG-INFO" && hasStem(p[1], ".egg-info"):
		return p[1], true
	case len(p) == 3 && p[0] == "PKG-INFO" && p[1] == "EGG-INFO":
		return p[2], hasStem(p[2], ".egg")
	case len(p) >= 2 && hasStem(p[0], ".egg-info"):
		return p[0], isSitePackages(p[1])
	}
	return "", false
}

func hasStem(name, suffix string) bool {
	return len(name) > len(suffix) && strings.HasSuffix(name, suffix)
}

func isSitePackages(dir string) bool { return dir == "site-packages" || dir == "dist-packages" }

// CollectPath implements collect.PathCollector.
func (p *PyPI) CollectPath(_ context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	distDir, ok := pypiLayout(rel)
	if !ok {
		return fmt.Errorf("pypi %s: not a distribution metadata file", rel)
	}
	f, err := env.FS.Open(rel)
	if err != nil {
		return fmt.Errorf("pypi %s: %w", rel, err)
	}
	defer f.Close()
	md, err := parseMetadata(f)
	switch {
	case errors.Is(err, errNoHeaders):
		// Still worth a record under the directory's name and version.
		sink.AddError(rel, "parse:"+p.Name(), fmt.Errorf("pypi %s: %w", rel, err))
	case err != nil:
		return fmt.Errorf("pypi %s: %w", rel, err)
	}
	dirName, dirVersion := splitDistDir(distDir)
	if md.Name == "" {
		md.Name = dirName
	}
	if md.Version == "" {
		md.Version = dirVersion
	}
	if md.Name == "" {
		return fmt.Errorf("pypi %s: no Name header and no name in %q", rel, distDir)
	}
	install := parentDir(rel)
	if !hasStem(rel, ".egg-info") {
		install = parentDir(install)
	}
	s := software(env, rel, "pypi", md.Name, md.Version, install)
	s.Identifier = normalizePyPIName(md.Name)
	sink.AddSoftware(s)
	return nil
}

// metadata is the part of a core-metadata file cascade reads.
type metadata struct {
	Name    string
	Version string
}

var errNoHeaders = errors.New("no Name or Version header")

// parseMetadata reads the Name and Version headers of a METADATA or
// PKG-INFO file (RFC 822 style: "Key: value", continuation lines start with
// white space, a blank line ends the headers). It reads at most
// maxManifest bytes and stops once both headers are found.
func parseMetadata(r io.Reader) (metadata, error) {
	br := bufio.NewReader(io.LimitReader(r, maxManifest))
	var md metadata
	for lineNo := 1; md.Name == "" || md.Version == ""; lineNo++ {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimRight(line, "\r\n")
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(line) == 0 && err == nil {
			break // end of the header section
		}
		if err := md.header(line, lineNo); err != nil {
			return metadata{}, err
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return metadata{}, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if md.Name == "" && md.Version == "" {
		return metadata{}, errNoHeaders
	}
	return md, nil
}

// header records one header line.
func (md *metadata) header(line []byte, lineNo int) error {
	if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
		return nil // continuation of a previous header, or the last empty line
	}
	key, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return fmt.Errorf("line %d: not a header (no colon)", lineNo)
	}
	var dst *string
	switch strings.ToLower(string(bytes.TrimSpace(key))) {
	case "name":
		dst = &md.Name
	case "version":
		dst = &md.Version
	default:
		return nil
	}
	if *dst != "" {
		return nil // the first occurrence wins
	}
	v := string(bytes.TrimSpace(value))
	if err := checkField(string(key), v, maxVersionLen); err != nil {
		return fmt.Errorf("line %d: %w", lineNo, err)
	}
	*dst = v
	return nil
}

// splitDistDir takes name and version from a metadata directory name:
// name-ver.dist-info, name-ver.egg-info, name-ver-pyX.Y.egg. Either may
// be empty (foo.egg-info has no version).
func splitDistDir(dir string) (name, version string) {
	for _, suf := range []string{".dist-info", ".egg-info", ".egg"} {
		if strings.HasSuffix(dir, suf) {
			dir = strings.TrimSuffix(dir, suf)
			break
		}
	}
	name, rest, _ := strings.Cut(dir, "-")
	version, _, _ = strings.Cut(rest, "-")
	return name, version
}

// normalizePyPIName is the PEP 503 normal form: lower case, each run of
// '-', '_' and '.' replaced by one '-'.
func normalizePyPIName(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		isSep := r == '-' || r == '_' || r == '.'
		if isSep && !sep {
			b.WriteByte('-')
		}
		if !isSep {
			b.WriteRune(r)
		}
		sep = isSep
	}
	return b.String()
}
