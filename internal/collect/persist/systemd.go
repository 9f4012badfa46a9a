package persist

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// execKeys are the unit settings that start a program.
var execKeys = map[string]bool{"execstart": true, "execstartpre": true, "execstartpost": true,
	"execcondition": true, "execreload": true, "execstop": true, "execstoppost": true}

// unit is what a unit file (or drop-in) says about the programs it starts.
type unit struct {
	execs      []execLine
	user       string
	wantedBy   string
	hasInstall bool
}

type execLine struct{ key, cmd string }

// parseUnit reads a systemd unit file: sections, key=value lines,
// comments (# and ;), continuation lines ending in a backslash. An empty
// Exec… resets the list, as in a drop-in.
func parseUnit(data []byte) (unit, []error) {
	var u unit
	section := ""
	pending := ""
	errs := scanLines(data, func(_ int, line string) error {
		if pending != "" {
			line = pending + " " + strings.TrimSpace(line)
			pending = ""
		}
		s := strings.TrimSpace(line)
		if strings.HasSuffix(s, `\`) && len(pending)+len(s) < maxLineBytes {
			pending = strings.TrimRight(strings.TrimSuffix(s, `\`), " \t")
			return nil
		}
		switch {
		case s == "" || s[0] == '#' || s[0] == ';':
			return nil
		case s[0] == '[':
			if !strings.HasSuffix(s, "]") {
				return errors.New("unterminated section header")
			}
			section = strings.ToLower(s[1 : len(s)-1])
			u.hasInstall = u.hasInstall || section == "install"
			return nil
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return errors.New("not a key=value setting")
		}
		u.set(section, strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v))
		return nil
	})
	return u, errs
}

func (u *unit) set(section, key, v string) {
	switch {
	case (section == "service" || section == "socket") && execKeys[key]:
		if v == "" {
			u.execs = slicesDeleteKey(u.execs, key)
			return
		}
		u.execs = append(u.execs, execLine{key, v})
	case section == "service" && key == "user":
		u.user = v
	case section == "install" && (key == "wantedby" || key == "requiredby"):
		u.wantedBy = strings.TrimSpace(u.wantedBy + " " + v)
	}
}

func slicesDeleteKey(l []execLine, key string) []execLine {
	out := l[:0]
	for _, e := range l {
		if e.key != key {
			out = append(out, e)
		}
	}
	return out
}

// execCommand strips an Exec line's prefixes (@ - : + !) and splits it.
func execCommand(v string) (string, string) {
	v = strings.TrimLeft(v, "@-:+!")
	return splitShell(v)
}

// unitEntries records each Exec line of a unit or drop-in. A unit with an
// [Install] section that no *.wants or *.requires directory links to is
// present but not enabled (Disabled).
func unitEntries(env *collect.Env, rel string, data []byte, base snapshot.Artifact, enabled map[string]string) ([]snapshot.Artifact, []error) {
	u, errs := parseUnit(data)
	name := path.Base(rel)
	if strings.HasSuffix(name, ".conf") {
		name = strings.TrimSuffix(path.Base(path.Dir(rel)), ".d")
	}
	base.Mechanism, base.RunAs = snapshot.MechSystemd, u.user
	if base.RunAs == "" && !strings.Contains(rel, "/user/") {
		base.RunAs = "root"
	}
	if via, ok := enabled[name]; ok {
		base.Trigger = "enabled (" + via + ")"
	} else if u.hasInstall {
		base.Trigger, base.Disabled = "not enabled", true
		if u.wantedBy != "" {
			base.Trigger += "; WantedBy=" + u.wantedBy
		}
	} else {
		base.Trigger = "static"
	}
	var out []snapshot.Artifact
	for _, e := range u.execs {
		a := base
		a.Name = name + " " + execKeyName(e.key)
		a.Command, a.Args = execCommand(e.cmd)
		out = append(out, a)
	}
	return out, errs
}

func execKeyName(k string) string {
	for _, n := range []string{"ExecStartPre", "ExecStartPost", "ExecStart", "ExecCondition", "ExecReload", "ExecStopPost", "ExecStop"} {
		if strings.ToLower(n) == k {
			return n
		}
	}
	return k
}

// wantsCache holds, for the last source seen, the unit names that a
// *.wants or *.requires directory links to, with the directory. The
// links are read as names only; their targets are never followed.
type wantsCache struct {
	mu  sync.Mutex
	env *collect.Env
	set map[string]string
}

func (c *wantsCache) get(env *collect.Env) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.env != env {
		c.env, c.set = env, enabledUnits(env.FS)
	}
	return c.set
}

// enabledUnits lists the *.wants and *.requires directories of the
// system and user unit directories (users' homes included) and the names
// they hold.
func enabledUnits(fsys fs.FS) map[string]string {
	set := map[string]string{}
	dirs := append([]string{}, systemdDirs...)
	for _, top := range []string{"home", "root"} {
		if top == "root" {
			dirs = append(dirs, "root/.config/systemd/user")
			continue
		}
		homes, _ := fs.ReadDir(fsys, top)
		for i, h := range homes {
			if i >= 10000 {
				break
			}
			dirs = append(dirs, top+"/"+h.Name()+"/.config/systemd/user")
		}
	}
	for _, d := range dirs {
		ents, _ := fs.ReadDir(fsys, d)
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".wants") && !strings.HasSuffix(e.Name(), ".requires") {
				continue
			}
			links, _ := fs.ReadDir(fsys, d+"/"+e.Name())
			for _, l := range links {
				if _, ok := set[l.Name()]; !ok {
					set[l.Name()] = e.Name()
				}
			}
		}
	}
	return set
}
