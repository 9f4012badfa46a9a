package persist

import (
	"bytes"
	"strings"
)

// splitShell splits a shell-like command line into its program and the
// rest, honouring single and double quotes and backslash escapes in the
// first word. Leading NAME=value assignments are skipped, and so are
// prefixes that only run the next word (exec, nohup, setsid, env, sudo,
// command, nice).
func splitShell(line string) (prog, args string) {
	rest := strings.TrimSpace(line)
	for rest != "" {
		word, tail := firstWord(rest)
		rest = strings.TrimSpace(tail)
		switch {
		case isAssignment(word):
			continue
		case runsNext[word] && rest != "":
			continue
		case shellWords[word]:
			// cd / && run-parts …: the program is after the separator.
			if i := strings.IndexAny(rest, ";&|"); i >= 0 {
				rest = strings.TrimLeft(rest[i:], ";&| \t")
				if rest != "" {
					continue
				}
			}
		}
		return word, rest
	}
	return "", ""
}

var runsNext = map[string]bool{"exec": true, "nohup": true, "setsid": true, "env": true, "sudo": true,
	"command": true, "nice": true, "ionice": true, "time": true}

// firstWord returns the first shell word of s, unquoted, and what follows.
func firstWord(s string) (string, string) {
	var b strings.Builder
	var quote byte
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote != '\'' && c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case quote == 0 && (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|'):
			return b.String(), s[i:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// winExts end a Windows program path that is not quoted, so that
// `C:\Program Files\x\a.exe -k` splits after ".exe".
var winExts = []string{".exe", ".dll", ".com", ".bat", ".cmd", ".scr", ".ps1", ".vbs", ".js", ".sys", ".cpl", ".msi", ".lnk", ".hta", ".jar"}

// splitWindows splits a Windows command line into program and arguments:
// a quoted program ends at its closing quote; an unquoted one at the first
// known executable extension followed by a space or the end, else at the
// first space.
func splitWindows(line string) (prog, args string) {
	s := strings.TrimSpace(line)
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return s[1:], ""
		}
		return s[1 : 1+end], strings.TrimSpace(s[2+end:])
	}
	// Lower ASCII letters only: strings.ToLower turns each invalid UTF-8
	// byte into a 3-byte U+FFFD, so its offsets would not be s's.
	low := []byte(s)
	for i, c := range low {
		if c >= 'A' && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	best := -1
	for _, ext := range winExts {
		for off := 0; ; {
			i := bytes.Index(low[off:], []byte(ext))
			if i < 0 {
				break
			}
			end := off + i + len(ext)
			if end == len(s) || s[end] == ' ' || s[end] == ',' {
				if best < 0 || end < best {
					best = end
				}
				break
			}
			off = end
		}
	}
	if best > 0 {
		return s[:best], strings.TrimSpace(strings.TrimPrefix(s[best:], ","))
	}
	prog, args, _ = strings.Cut(s, " ")
	return prog, strings.TrimSpace(args)
}
