package match

import (
	"fmt"
	"regexp"
	"strings"
)

// Placeholders a path indicator may use, and what they stand for. A "*"
// stands for one path component; "<…>" placeholders from reports (<dir>,
// <name>, <site-packages>) stand for one or more components.
var placeholders = map[string]string{
	"%localappdata%":      `C:\Users\*\AppData\Local`,
	"%appdata%":           `C:\Users\*\AppData\Roaming`,
	"%userprofile%":       `C:\Users\*`,
	"%programdata%":       `C:\ProgramData`,
	"%allusersprofile%":   `C:\ProgramData`,
	"%windir%":            `C:\Windows`,
	"%systemroot%":        `C:\Windows`,
	"%programfiles%":      `C:\Program Files`,
	"%programfiles(x86)%": `C:\Program Files (x86)`,
	"%temp%":              `C:\Users\*\AppData\Local\Temp`,
	"%tmp%":               `C:\Users\*\AppData\Local\Temp`,
}

var placeholderRE = regexp.MustCompile(`(?i)%[a-z0-9_()]+%`)

// pathRegex compiles a path indicator into a case-insensitive regex over
// a file's display path. Windows drive letters match any drive; a trailing
// separator means "anything under this directory"; "~" is any user's home
// (macOS /Users/x, Linux /home/x or /root).
func pathRegex(p string) (*regexp.Regexp, error) {
	p = strings.TrimSpace(p)
	p = placeholderRE.ReplaceAllStringFunc(p, func(m string) string {
		if v, ok := placeholders[strings.ToLower(m)]; ok {
			return v
		}
		return m
	})
	if strings.ContainsRune(p, '%') {
		return nil, fmt.Errorf("path %q has an unknown %%placeholder%%", p)
	}
	dirOnly := strings.HasSuffix(p, `\`) || strings.HasSuffix(p, "/")
	p = strings.TrimRight(p, `\/`)
	var b strings.Builder
	b.WriteString(`(?i)^`)
	switch {
	case strings.HasPrefix(p, "~/"):
		b.WriteString(`(?:/users/[^/]+|/home/[^/]+|/root)`)
		p = p[1:]
	case len(p) >= 2 && p[1] == ':':
		b.WriteString(`[a-z]:`)
		p = p[2:]
	case strings.HasPrefix(p, "<"):
		b.WriteString(`.*`)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' || c == '/':
			b.WriteString(`[\\/]`)
		case c == '*':
			b.WriteString(`[^\\/]*`)
		case c == '<':
			j := strings.IndexByte(p[i:], '>')
			if j < 0 {
				return nil, fmt.Errorf("path %q has an unclosed <placeholder>", p)
			}
			b.WriteString(`.+`)
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if dirOnly {
		b.WriteString(`[\\/]`)
	} else {
		b.WriteString(`$`)
	}
	return regexp.Compile(b.String())
}
