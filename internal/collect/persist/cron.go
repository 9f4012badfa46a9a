package persist

import (
	"errors"
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// cronEntries reads a cron table: system tables (/etc/crontab,
// /etc/cron.d/*) have a user field after the schedule, users' tables
// (named after their user) do not. Environment lines and comments are
// skipped; a line that is neither is a per-line error.
func cronEntries(data []byte, system bool, base snapshot.Artifact, file string) ([]snapshot.Artifact, []error) {
	var out []snapshot.Artifact
	errs := scanLines(data, func(_ int, line string) error {
		a, ok, err := cronLine(line, system)
		if !ok || err != nil {
			return err
		}
		e := base
		e.Mechanism, e.Trigger, e.Command, e.Args, e.RunAs = snapshot.MechCron, a.Trigger, a.Command, a.Args, a.RunAs
		if !system {
			e.RunAs = file
		}
		e.Name = clip(line)
		out = append(out, e)
		return nil
	})
	return out, errs
}

var cronMacros = map[string]bool{"@reboot": true, "@yearly": true, "@annually": true, "@monthly": true,
	"@weekly": true, "@daily": true, "@midnight": true, "@hourly": true}

// envLine is a NAME=value setting (blanks around '=' allowed).
var envLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\s*=`)

var errCronLine = errors.New("not a cron entry, an environment setting or a comment")

// cronLine parses one line. ok is false for blank lines, comments and
// NAME=value settings.
func cronLine(line string, system bool) (a snapshot.Artifact, ok bool, err error) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' {
		return a, false, nil
	}
	if envLine.MatchString(s) {
		return a, false, nil
	}
	fields := strings.Fields(s)
	nsched := 5
	if strings.HasPrefix(fields[0], "@") {
		if !cronMacros[strings.ToLower(fields[0])] {
			return a, false, errCronLine
		}
		nsched = 1
	}
	need := nsched + 1
	if system {
		need++
	}
	if len(fields) < need {
		return a, false, errCronLine
	}
	for _, f := range fields[:nsched] {
		if nsched == 5 && !cronField(f) {
			return a, false, errCronLine
		}
	}
	a.Trigger = strings.Join(fields[:nsched], " ")
	rest := s
	for range nsched {
		rest = skipField(rest)
	}
	if system {
		a.RunAs = fields[nsched]
		rest = skipField(rest)
	}
	a.Command, a.Args = splitShell(cutPercent(rest))
	return a, a.Command != "", nil
}

// cutPercent cuts a cron command at its first unescaped %, where cron
// starts the command's standard input.
func cutPercent(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '%' {
			return s[:i]
		}
	}
	return s
}

// skipField drops s's first blank-separated field and the blanks around it.
func skipField(s string) string {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return strings.TrimLeft(s[i:], " \t")
	}
	return ""
}

var cronNames = map[string]bool{"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true,
	"jul": true, "aug": true, "sep": true, "oct": true, "nov": true, "dec": true,
	"sun": true, "mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true}

// cronField reports a schedule field: lists, ranges and steps of numbers,
// '*' and month or weekday names.
func cronField(f string) bool {
	for _, tok := range strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
		if tok != "*" && strings.Trim(tok, "0123456789") != "" && !cronNames[strings.ToLower(tok)] {
			return false
		}
	}
	return f != "" && strings.Trim(f, ",-/") != ""
}
