package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	ym "github.com/cascade-ir/cascade/internal/match/yara"
)

// yaraOptions are the flags of "cascade yara", named as yara's.
type yaraOptions struct {
	recursive, printStrings, printLength, printMeta, printTags bool
	printNS, negate, count, fast, noFollow, noWarnings         bool
	threads                                                    int
	timeout                                                    time.Duration
	tags, ids                                                  []string
	defines                                                    map[string]any
	rules                                                      []string
	target                                                     string
}

const yaraUsage = `Usage: cascade yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR

Scans FILE, or the files of DIR, with YARA rules, printing matches as the
yara command does. Options (short ones may be combined, as -sr):
  -r, --recursive             recursively search directories
  -s, --print-strings         print matching strings
  -L, --print-string-length   print length of matched strings
  -m, --print-meta            print metadata
  -g, --print-tags            print tags
  -e, --print-namespace       print rules' namespace
  -n, --negate                print only not satisfied rules
  -c, --count                 print only number of matches
  -f, --fast-scan             fast matching mode
  -N, --no-follow-symlinks    do not follow symlinks when scanning
  -w, --no-warnings           disable warnings
  -d, --define=VAR=VALUE      define external variable
  -t, --tag=TAG               print only rules tagged as TAG
  -i, --identifier=ID         print only rules named ID
  -p, --threads=NUMBER        use NUMBER threads to scan a directory
  -a, --timeout=SECONDS       abort scanning a file after SECONDS
Exit status: 0 when the scan ran (matches or not), 1 on an error.`

var yaraLong = map[string]string{
	"recursive": "r", "print-strings": "s", "print-string-length": "L", "print-meta": "m",
	"print-tags": "g", "print-namespace": "e", "negate": "n", "count": "c", "fast-scan": "f",
	"no-follow-symlinks": "N", "no-warnings": "w", "define": "d", "tag": "t", "identifier": "i",
	"threads": "p", "timeout": "a", "help": "h",
}

// yaraValued are the options that take a value.
const yaraValued = "dtipa"

// runYara implements "cascade yara". It parses yara's own flag syntax
// (combined short flags, --long=value) rather than Go's.
func runYara(ctx context.Context, e *env, args []string) error {
	o, err := parseYaraArgs(args)
	if errors.Is(err, errYaraHelp) {
		fmt.Fprintln(e.stdout, yaraUsage)
		return nil
	}
	if err != nil {
		return usagef("%v", err)
	}
	return yaraScan(ctx, e, o)
}

var errYaraHelp = errors.New("help")

func parseYaraArgs(args []string) (yaraOptions, error) {
	o := yaraOptions{threads: 1, defines: map[string]any{}}
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		var flags []string // short names, the last possibly with a value
		value, hasValue := "", false
		if strings.HasPrefix(a, "--") {
			name, v, eq := strings.Cut(a[2:], "=")
			short, ok := yaraLong[name]
			if !ok {
				return o, fmt.Errorf("unknown option %s", a)
			}
			flags, value, hasValue = []string{short}, v, eq
		} else {
			for j := 1; j < len(a); j++ {
				flags = append(flags, a[j:j+1])
				if strings.Contains(yaraValued, a[j:j+1]) && j+1 < len(a) {
					value, hasValue = a[j+1:], true
					break
				}
			}
		}
		for k, f := range flags {
			if strings.Contains(yaraValued, f) {
				if k != len(flags)-1 {
					return o, fmt.Errorf("option -%s needs a value", f)
				}
				if !hasValue {
					if i+1 >= len(args) {
						return o, fmt.Errorf("option -%s needs a value", f)
					}
					i++
					value = args[i]
				}
			}
			if err := o.set(f, value); err != nil {
				return o, err
			}
		}
	}
	if len(pos) < 2 {
		return o, errors.New("want RULES_FILE... and a FILE or DIR")
	}
	o.rules, o.target = pos[:len(pos)-1], pos[len(pos)-1]
	return o, nil
}

func (o *yaraOptions) set(f, value string) error {
	bools := map[string]*bool{"r": &o.recursive, "s": &o.printStrings, "L": &o.printLength,
		"m": &o.printMeta, "g": &o.printTags, "e": &o.printNS, "n": &o.negate, "c": &o.count,
		"f": &o.fast, "N": &o.noFollow, "w": &o.noWarnings}
	if b, ok := bools[f]; ok {
		*b = true
		return nil
	}
	switch f {
	case "h":
		return errYaraHelp
	case "t":
		o.tags = append(o.tags, value)
	case "i":
		o.ids = append(o.ids, value)
	case "p":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 32 {
			return fmt.Errorf("invalid thread count %q", value)
		}
		o.threads = n
	case "a":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("invalid timeout %q", value)
		}
		o.timeout = time.Duration(n) * time.Second
	case "d":
		name, v, ok := strings.Cut(value, "=")
		if !ok || name == "" {
			return fmt.Errorf("invalid define %q: want VAR=VALUE", value)
		}
		o.defines[name] = externalValue(v)
	default:
		return fmt.Errorf("unknown option -%s", f)
	}
	return nil
}

// externalValue types a -d value as yara does: a boolean, an integer, a
// float, or else a string.
func externalValue(v string) any {
	if v == "true" || v == "false" {
		return v == "true"
	}
	if i, err := strconv.ParseInt(v, 0, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && strings.Contains(v, ".") {
		return f
	}
	return v
}

func compileYara(o yaraOptions) (*yr.Rules, error) {
	c := yr.NewCompiler()
	for name, v := range o.defines {
		if err := c.DefineExternal(name, v); err != nil {
			return nil, err
		}
	}
	for _, r := range o.rules {
		ns, path := "", r
		if before, after, ok := strings.Cut(r, ":"); ok && !strings.ContainsAny(before, `/\`) && len(before) > 1 {
			if _, err := os.Stat(r); err != nil {
				ns, path = before, after
			}
		}
		if err := c.AddFile(path, ns); err != nil {
			return nil, err
		}
	}
	return c.Rules()
}

// yaraCompileError prints a compile error as yara does.
func yaraCompileError(w io.Writer, err error) {
	var ce *yr.Error
	if errors.As(err, &ce) {
		if ce.Rule != "" {
			fmt.Fprintf(w, "error: rule %q in %s(%d): %s\n", ce.Rule, ce.Pos.File, ce.Pos.Line, ce.Msg)
		} else {
			fmt.Fprintf(w, "%s(%d): error: %s\n", ce.Pos.File, ce.Pos.Line, ce.Msg)
		}
		return
	}
	fmt.Fprintf(w, "error: %v\n", err)
}

// errYaraFailed makes the command exit 1 after it printed its error,
// as yara does.
var errYaraFailed = fmt.Errorf("yara failed: %w", errFindings)

// yaraMemoryLimit is the Go heap's soft limit while scanning, unless
// GOMEMLIMIT says otherwise: file buffers are large and short-lived, and
// the default GC target (twice the live heap) would let them pile up.
const yaraMemoryLimit = 192 << 20

func yaraScan(ctx context.Context, e *env, o yaraOptions) error {
	if e.getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(yaraMemoryLimit)
		defer debug.SetMemoryLimit(old)
	}
	rules, err := compileYara(o)
	if err != nil {
		yaraCompileError(e.stderr, err)
		return errYaraFailed
	}
	sc, err := ym.New(rules)
	if err != nil {
		fmt.Fprintf(e.stderr, "error: %v\n", err)
		return errYaraFailed
	}
	sc.FastMode = o.fast
	p := yaraPrinter{w: e.stdout, o: o, rules: rules}
	st, statErr := os.Stat(o.target)
	p.dir = statErr == nil && st.IsDir()
	failed := false
	err = sc.ScanTarget(ctx, o.target, ym.TreeOptions{Recursive: o.recursive, FollowSymlinks: !o.noFollow,
		Threads: o.threads, Timeout: o.timeout}, func(r ym.FileResult) {
		if r.Err != nil {
			if !ym.IsSkipped(r.Err) {
				fmt.Fprintf(e.stderr, "error scanning %s: %v\n", r.Path, r.Err)
				failed = failed || !p.dir
			}
			return
		}
		p.print(r.Path, r.Result)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "error scanning %s: %v\n", o.target, err)
		return errYaraFailed
	}
	if failed {
		return errYaraFailed
	}
	return nil
}
