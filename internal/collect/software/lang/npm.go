package lang

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

// npm's own limit on package names; versions get a generous bound.
const (
	maxNPMName    = 214
	maxVersionLen = 256
)

// NPM reads node_modules/<name>/package.json and
// node_modules/@scope/<name>/package.json, at any depth (nested
// node_modules, pnpm's .pnpm store). A package.json anywhere else (a
// project's own, a test fixture inside a package) is not an installed
// package and is ignored.
type NPM struct{}

// NewNPM returns the npm package collector.
func NewNPM() *NPM { return &NPM{} }

// Name implements collect.PathCollector.
func (*NPM) Name() string { return "npm" }

// WantsPath implements collect.PathCollector.
func (*NPM) WantsPath(_ *collect.Env, rel string) bool {
	_, ok := npmPackageDir(rel)
	return ok
}

// npmPackageDir returns the package name the directory layout implies
// (name or @scope/name) when rel is a package's own package.json.
func npmPackageDir(rel string) (string, bool) {
	if !strings.HasSuffix(rel, "package.json") {
		return "", false
	}
	p := lastParts(rel, 4) // package.json, pkg, parent, grandparent
	if len(p) < 3 || p[0] != "package.json" || !validDirName(p[1]) || p[1][0] == '@' {
		return "", false
	}
	if p[2] == "node_modules" {
		return p[1], true
	}
	if len(p) == 4 && p[3] == "node_modules" && len(p[2]) > 1 && p[2][0] == '@' {
		return p[2] + "/" + p[1], true
	}
	return "", false
}

// validDirName rejects empty names and dot-directories (.bin, .pnpm,
// .cache), which are not packages.
func validDirName(s string) bool { return s != "" && s[0] != '.' }

// CollectPath implements collect.PathCollector.
func (n *NPM) CollectPath(_ context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	dirName, ok := npmPackageDir(rel)
	if !ok {
		return fmt.Errorf("npm %s: not a package.json under node_modules", rel)
	}
	b, err := readCapped(env.FS, rel)
	if err != nil {
		return fmt.Errorf("npm %s: %w", rel, err)
	}
	pj, err := parsePackageJSON(b)
	if err != nil {
		return fmt.Errorf("npm %s: %w", rel, err)
	}
	if pj.Name == "" {
		pj.Name = dirName
	}
	sink.AddSoftware(software(env, rel, "npm", pj.Name, pj.Version, parentDir(rel)))
	return nil
}

// packageJSON is the part of package.json cascade reads.
type packageJSON struct {
	Name    string
	Version string
}

// parsePackageJSON reads name and version. Either may be absent; when
// present they must be strings of bounded length.
func parsePackageJSON(b []byte) (packageJSON, error) {
	var raw struct {
		Name    json.RawMessage `json:"name"`
		Version json.RawMessage `json:"version"`
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // npm tolerates a BOM
	if err := json.Unmarshal(b, &raw); err != nil {
		return packageJSON{}, jsonErr(b, err)
	}
	var pj packageJSON
	var err error
	if pj.Name, err = jsonString("name", raw.Name, maxNPMName); err != nil {
		return packageJSON{}, err
	}
	if pj.Version, err = jsonString("version", raw.Version, maxVersionLen); err != nil {
		return packageJSON{}, err
	}
	return pj, nil
}

// jsonString decodes an optional string field.
func jsonString(key string, raw json.RawMessage, limit int) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("key %q: not a string", key)
	}
	s = strings.TrimSpace(s)
	return s, checkField(key, s, limit)
}

// jsonErr adds the line and column of a syntax error.
func jsonErr(b []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	off := min(max(se.Offset, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n') - 1
	return fmt.Errorf("line %d column %d (offset %d): %w", line, col, off, err)
}
