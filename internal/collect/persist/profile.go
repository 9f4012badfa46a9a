package persist

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// shellWords are builtins and keywords: a line that starts with one runs
// no program of its own (unless it carries a URL, which is recorded).
var shellWords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "for": true, "while": true, "until": true,
	"do": true, "done": true, "case": true, "esac": true, "in": true, "function": true, "{": true, "}": true,
	"[": true, "[[": true, "test": true, "export": true, "alias": true, "unalias": true, "unset": true,
	"set": true, "shopt": true, "setopt": true, "unsetopt": true, "umask": true, "ulimit": true, "local": true,
	"return": true, "readonly": true, "declare": true, "typeset": true, "eval": true, ".": true, "source": true,
	"true": true, "false": true, ":": true, "echo": true, "printf": true, "cd": true, "break": true,
	"continue": true, "exit": true, "logout": true, "shift": true, "trap": true, "builtin": true, "bind": true, "complete": true,
	"autoload": true, "zstyle": true, "compinit": true, "bindkey": true, "fpath": true, "path": true,
	"hash": true, "history": true, "read": true, "let": true, "wait": true, "emulate": true, "zmodload": true,
}

// profileEntries reads a shell script run at boot or login (rc.local, a
// profile, an rc file) and records the lines that start a program: the
// first command word is not a shell builtin or keyword, or the line
// carries a URL. It does not interpret the shell: a program started
// inside a function or a branch is recorded like any other.
func profileEntries(data []byte, mech string, base snapshot.Artifact) ([]snapshot.Artifact, []error) {
	var out []snapshot.Artifact
	if base.Trigger == "" {
		base.Trigger = "login shell"
	}
	errs := scanLines(data, func(_ int, line string) error {
		prog, args, ok := profileLine(line)
		if !ok {
			return nil
		}
		e := base
		e.Mechanism, e.Command, e.Args, e.Name = mech, prog, args, clip(strings.TrimSpace(line))
		out = append(out, e)
		return nil
	})
	return out, errs
}

// profileLine returns the program a shell line starts, if it starts one.
func profileLine(line string) (prog, args string, ok bool) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' {
		return "", "", false
	}
	if strings.HasSuffix(s, "()") || strings.HasSuffix(s, "() {") || strings.HasSuffix(s, "(){") {
		return "", "", false // a function definition
	}
	prog, args = splitShell(s)
	hasURL := urlRE.MatchString(s)
	if prog == "" || shellWords[prog] || strings.HasPrefix(prog, "#") || strings.ContainsAny(prog, "*?()") {
		if !hasURL {
			return "", "", false
		}
		return prog, args, true
	}
	return prog, args, true
}
