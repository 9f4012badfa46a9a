package persist

import (
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// winVars are the environment variables Windows persistence entries use,
// as slash paths relative to the system drive's root. %USERPROFILE% and
// the per-user folders depend on the entry's user.
var winVars = map[string]string{
	"systemroot": "Windows", "windir": "Windows", "systemdrive": "",
	"programfiles": "Program Files", "programfiles(x86)": "Program Files (x86)",
	"programw6432": "Program Files", "commonprogramfiles": "Program Files/Common Files",
	"commonprogramfiles(x86)": "Program Files (x86)/Common Files",
	"programdata":             "ProgramData", "allusersprofile": "ProgramData", "public": "Users/Public",
}

var userVars = map[string]string{
	"userprofile": "", "appdata": "AppData/Roaming", "localappdata": "AppData/Local",
	"temp": "AppData/Local/Temp", "tmp": "AppData/Local/Temp",
}

// winRel turns a Windows program path into a slash path relative to the
// system drive's root: environment variables expanded, \SystemRoot\ and
// \??\ prefixes and a drive letter removed, a bare name looked for in
// System32 and a path relative to the Windows folder (service image paths
// such as system32\drivers\x.sys) made absolute. ok is false for what is
// not a local path (a UNC path, a variable not known).
func winRel(prog, user string) (rel string, ok bool) {
	p := strings.ReplaceAll(strings.TrimSpace(prog), `\`, "/")
	p, ok = expandWin(p, user)
	if !ok || p == "" || strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "//?/") {
		return "", false
	}
	low := strings.ToLower(p)
	switch {
	case strings.HasPrefix(low, "/??/"), strings.HasPrefix(low, "//?/"):
		p = p[4:]
	case strings.HasPrefix(low, "/systemroot/"):
		p = "Windows/" + p[len("/systemroot/"):]
	case strings.HasPrefix(low, "system32/"), strings.HasPrefix(low, "syswow64/"):
		p = "Windows/" + p
	}
	if len(p) >= 2 && p[1] == ':' {
		p = p[2:]
	}
	if !strings.Contains(p, "/") {
		p = "Windows/System32/" + p // found in Windows/ too, by resolveWin
	}
	p = path.Clean("/" + p)[1:]
	return p, p != "" && p != "."
}

// expandWin expands %VAR% references it knows.
func expandWin(p, user string) (string, bool) {
	for strings.Contains(p, "%") {
		i := strings.IndexByte(p, '%')
		j := strings.IndexByte(p[i+1:], '%')
		if j < 0 {
			return p, true
		}
		name := strings.ToLower(p[i+1 : i+1+j])
		v, ok := winVars[name]
		if !ok {
			sub, uok := userVars[name]
			if !uok || user == "" {
				return "", false
			}
			v, ok = path.Join("Users", user, sub), true
		}
		p = p[:i] + "/" + v + p[i+2+j:]
	}
	return p, true
}

// findFold returns the path of rel as the source spells it, matching each
// component without regard to case (NTFS names are case-insensitive; an
// image extracted onto Linux is not). ok is false when it is absent.
// Directory listings are cached for the source (System32 is listed once,
// not once per service).
func findFold(env *collect.Env, rel string) (string, bool) {
	if _, err := fs.Stat(env.FS, rel); err == nil {
		return rel, true
	}
	parts := strings.Split(rel, "/")
	if len(parts) > 32 {
		return "", false
	}
	cur := "."
	for _, p := range parts {
		found, ok := folds.lookup(env, cur, p)
		if !ok {
			return "", false
		}
		cur = path.Join(cur, found)
	}
	return cur, true
}

// foldCache holds, for the last source seen, directory listings by lower-
// case name.
type foldCache struct {
	mu   sync.Mutex
	env  *collect.Env
	dirs map[string]map[string]string
}

var folds foldCache

// maxFoldDirs bounds the listings kept for one source.
const maxFoldDirs = 4096

func (c *foldCache) lookup(env *collect.Env, dir, name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.env != env {
		c.env, c.dirs = env, map[string]map[string]string{}
	}
	names, ok := c.dirs[dir]
	if !ok {
		ents, _ := fs.ReadDir(env.FS, dir)
		names = make(map[string]string, len(ents))
		for _, e := range ents {
			if _, dup := names[strings.ToLower(e.Name())]; !dup {
				names[strings.ToLower(e.Name())] = e.Name()
			}
		}
		if len(c.dirs) < maxFoldDirs {
			c.dirs[dir] = names
		}
	}
	found, ok := names[strings.ToLower(name)]
	return found, ok
}

// resolveWin returns prog as a display path of the source: spelled as the
// source spells it when present (found then, with its relative path), as
// written (expanded) otherwise; "" when it is not a local path.
func resolveWin(env *collect.Env, prog, user string) (display, rel string, found bool) {
	rel, ok := winRel(prog, user)
	if !ok {
		return "", "", false
	}
	if f, ok := findFold(env, rel); ok {
		return env.Display(f), f, true
	}
	if bare := strings.TrimPrefix(rel, "Windows/System32/"); bare != rel && !strings.Contains(bare, "/") {
		if f, ok := findFold(env, "Windows/"+bare); ok { // explorer.exe, regedit.exe
			return env.Display(f), f, true
		}
	}
	return env.Display(rel), rel, false
}

// unixPath are the directories a bare command name is looked for in.
var unixPath = []string{"usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin"}

// resolveUnix returns prog as a display path of the source: an absolute
// path as it is, ~/ in home, a bare name found on the usual PATH; ""
// otherwise. found says the file is there (its relative path is rel).
// Symlinks are not followed: the path named is the path recorded.
func resolveUnix(env *collect.Env, prog, home string) (display, rel string, found bool) {
	switch {
	case strings.HasPrefix(prog, "/"):
		rel = path.Clean(prog)[1:]
	case strings.HasPrefix(prog, "~/") && home != "":
		rel = path.Join(home, prog[2:])
	case prog == "" || strings.ContainsAny(prog, "/$`(){}[]*?"):
		return "", "", false
	default:
		for _, d := range unixPath {
			if isFile(env, d+"/"+prog) {
				return env.Display(d + "/" + prog), d + "/" + prog, true
			}
		}
		return "", "", false
	}
	if rel == "" || rel == "." {
		return "", "", false
	}
	return env.Display(rel), rel, isFile(env, rel)
}

// isFile reports a regular file at rel (a symlink is not followed).
func isFile(env *collect.Env, rel string) bool {
	fi, err := fs.Stat(env.FS, rel)
	return err == nil && fi.Mode().IsRegular()
}

// setProgram resolves a's Command into ProgramPath and, when the file is
// there, asks the engine for its record (digest, signature) even if the
// walk leaves it out.
func setProgram(env *collect.Env, sink collect.Sink, a *snapshot.Artifact, windowsUser, home string) {
	var rel string
	var found bool
	if env.OS == "windows" {
		a.ProgramPath, rel, found = resolveWin(env, a.Command, windowsUser)
	} else {
		a.ProgramPath, rel, found = resolveUnix(env, a.Command, home)
	}
	if w, ok := sink.(collect.FileWanter); ok && found {
		w.WantFile(rel)
	}
}

// homeOf returns the home directory (relative slash path) a file under a
// user's home lives in: home/<u> or root on Linux, Users/<u> on macOS.
func homeOf(rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	switch {
	case len(parts) >= 2 && (parts[0] == "home" || parts[0] == "Users"):
		return parts[0] + "/" + parts[1]
	case len(parts) >= 1 && parts[0] == "root":
		return "root"
	}
	return ""
}
