package reach

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds for ssh client configs.
const (
	maxConfigBytes = 4 << 20
	maxConfigHosts = 10_000 // Host patterns per file
)

// ConfigHost is one pattern of a Host block of an ssh client config, with
// the settings of the block that say where it connects.
type ConfigHost struct {
	// Pattern is the Host pattern as written ("web1", "*.corp").
	Pattern string
	// HostName, User, Port and ProxyJump are the block's values as
	// written (the first of each, as ssh takes the first).
	HostName, User, Port, ProxyJump string
	// File names the file holding the Host line (Parse's name argument
	// or an IncludedFile's Name); Line is its line number there.
	File string
	Line int
}

// Target is the host the entry connects to: HostName with its %h token
// replaced by the pattern, or the pattern itself.
func (c ConfigHost) Target() string {
	if c.HostName == "" {
		return c.Pattern
	}
	return strings.ReplaceAll(c.HostName, "%h", c.Pattern)
}

// ConfigParser reads ssh_config(5) files. Include is followed through
// Open, which decides what may be read; Host blocks continue across an
// included file as ssh reads them.
type ConfigParser struct {
	// Include resolves one Include argument to the contents of the files
	// it names, in order; nil ignores Include lines.
	Include func(arg string) ([]IncludedFile, error)
	// Problems receives per-line problems (bad Include, unknown quoting).
	Problems func(err error)

	out   []ConfigHost
	block []int // indexes in out of the current Host block's patterns
	depth int
}

// IncludedFile is one file an Include names, opened.
type IncludedFile struct {
	Name string
	R    io.Reader
}

// maxIncludeDepth bounds Include nesting (OpenSSH allows 16).
const maxIncludeDepth = 4

// Parse reads one config file and returns every Host pattern seen so far
// (a parser reading several files keeps them all). "Host *" and negated
// patterns are left out: they name no host to connect to. Match blocks are
// skipped. err is set when a cap or the context cut the file.
func (p *ConfigParser) Parse(ctx context.Context, name string, r io.Reader) ([]ConfigHost, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return p.out, err
		}
		line, rerr := readLine(br)
		if errors.Is(rerr, errLineTooLong) {
			return p.out, fmt.Errorf("line %d: %w", lineNo, rerr)
		}
		if err := p.line(ctx, name, line, lineNo); err != nil {
			return p.out, err
		}
		if rerr == io.EOF {
			return p.out, nil
		}
		if rerr != nil {
			return p.out, fmt.Errorf("line %d: %w", lineNo, rerr)
		}
	}
}

func (p *ConfigParser) line(ctx context.Context, name, line string, lineNo int) error {
	kw, args := splitDirective(line)
	switch strings.ToLower(kw) {
	case "":
	case "host":
		p.block = p.block[:0]
		for _, pat := range args {
			if pat == "*" || strings.HasPrefix(pat, "!") {
				continue
			}
			p.block = append(p.block, len(p.out))
			p.out = append(p.out, ConfigHost{Pattern: pat, File: name, Line: lineNo})
		}
		if len(p.out) > maxConfigHosts {
			p.out = p.out[:maxConfigHosts]
			return fmt.Errorf("more than %d Host patterns; the rest were not read", maxConfigHosts)
		}
	case "match":
		p.block = p.block[:0]
	case "hostname", "user", "port", "proxyjump":
		if len(args) > 0 {
			p.set(strings.ToLower(kw), args[0])
		}
	case "include":
		return p.include(ctx, args, lineNo)
	}
	return nil
}

// set records a block setting unless the block already has one.
func (p *ConfigParser) set(kw, val string) {
	for _, i := range p.block {
		if f := p.out[i].field(kw); *f == "" {
			*f = val
		}
	}
}

// field is the setting named kw (one of those set records).
func (c *ConfigHost) field(kw string) *string {
	switch kw {
	case "hostname":
		return &c.HostName
	case "user":
		return &c.User
	case "port":
		return &c.Port
	}
	return &c.ProxyJump
}

func (p *ConfigParser) include(ctx context.Context, args []string, lineNo int) error {
	if p.Include == nil {
		return nil
	}
	if p.depth >= maxIncludeDepth {
		p.problem(fmt.Errorf("line %d: Include nested deeper than %d, not followed", lineNo, maxIncludeDepth))
		return nil
	}
	for _, arg := range args {
		files, err := p.Include(arg)
		if err != nil {
			p.problem(fmt.Errorf("line %d: Include %s: %w", lineNo, arg, err))
		}
		for _, f := range files {
			p.depth++
			_, err := p.Parse(ctx, f.Name, io.LimitReader(f.R, maxConfigBytes))
			p.depth--
			if err != nil {
				return fmt.Errorf("included %s: %w", f.Name, err)
			}
		}
	}
	return nil
}

func (p *ConfigParser) problem(err error) {
	if p.Problems != nil {
		p.Problems(err)
	}
}

// splitDirective splits a config line into its keyword and arguments:
// "Keyword args", "Keyword=args", arguments separated by blanks and
// grouped by double quotes; '#' starts a comment at the line's start.
func splitDirective(line string) (string, []string) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", nil
	}
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return line, nil
	}
	kw, rest := line[:i], strings.TrimLeft(line[i:], " \t")
	rest = strings.TrimLeft(strings.TrimPrefix(rest, "="), " \t")
	return kw, splitArgs(rest)
}

// splitArgs splits on blanks outside double quotes; an argument starting
// with '#' ends the line.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			in, has = !in, true
		case (c == ' ' || c == '\t') && !in:
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		case c == '#' && !in && !has:
			return out
		default:
			cur.WriteByte(c)
			has = true
		}
	}
	if has {
		out = append(out, cur.String())
	}
	return out
}
