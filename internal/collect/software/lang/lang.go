// Package lang inventories language packages installed on disk: npm
// packages under node_modules and Python distributions under
// site-packages/dist-packages, so that compromised releases (event-stream,
// ua-parser-js, ultralytics, …) are seen wherever a project or virtual
// environment installed them.
package lang

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Collectors returns the package's collectors.
func Collectors() []collect.PathCollector {
	return []collect.PathCollector{NewNPM(), NewPyPI()}
}

// maxManifest caps the bytes read from one manifest (package.json, or the
// header section of METADATA/PKG-INFO).
const maxManifest = 1 << 20

// readCapped reads all of rel, failing when it exceeds maxManifest.
func readCapped(fsys fs.FS, rel string) ([]byte, error) {
	return collect.ReadCapped(fsys, rel, maxManifest)
}

// software fills the fields every language package shares.
func software(env *collect.Env, rel, ecosystem, name, version, installRel string) snapshot.Software {
	s := snapshot.Software{
		Name:        name,
		Version:     version,
		Platform:    env.OS,
		Ecosystem:   ecosystem,
		Scope:       snapshot.ScopeMachine,
		User:        collect.UserFromPath(env.OS, rel),
		Source:      ecosystem + ":" + env.Display(rel),
		InstallPath: env.Display(installRel),
	}
	if s.User != "" {
		s.Scope = snapshot.ScopeUser
	}
	return s
}

// lastParts splits the last n components of a slash path, last first; it
// returns fewer when the path is shorter.
func lastParts(rel string, n int) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		i := strings.LastIndexByte(rel, '/')
		out = append(out, rel[i+1:])
		if i < 0 {
			break
		}
		rel = rel[:i]
	}
	return out
}

// parentDir is path.Dir for slash paths relative to a root ("." at top).
func parentDir(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

// checkField bounds a name or version read from a hostile file.
func checkField(what, v string, limit int) error {
	if len(v) > limit {
		return fmt.Errorf("%s longer than %d bytes", what, limit)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s %q holds control characters", what, v)
	}
	return nil
}
