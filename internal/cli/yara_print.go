package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	ym "github.com/cascade-ir/cascade/internal/match/yara"
)

// maxPrintedData is how much of a match yara prints (its MAX_MATCH_DATA).
const maxPrintedData = 512

// maxPrintedHex is how many bytes of a hex string's match yara prints.
const maxPrintedHex = 64

type yaraPrinter struct {
	w     io.Writer
	o     yaraOptions
	rules *yr.Rules
	dir   bool
}

func (p *yaraPrinter) wanted(r *yr.Rule) bool {
	if r.Private {
		return false
	}
	if len(p.o.ids) > 0 && !slices.Contains(p.o.ids, r.Name) {
		return false
	}
	if len(p.o.tags) > 0 {
		for _, t := range p.o.tags {
			if slices.Contains(r.Tags, t) {
				return true
			}
		}
		return false
	}
	return true
}

func (p *yaraPrinter) print(path string, res *ym.Result) {
	var b strings.Builder
	for _, msg := range res.Console {
		b.WriteString(msg + "\n")
	}
	n := 0
	for i, r := range p.rules.Rules {
		if res.Matched[i] == p.o.negate || !p.wanted(r) {
			continue
		}
		n++
		if p.o.count {
			continue
		}
		p.ruleLine(&b, r, path)
		if p.o.printStrings && !p.o.negate {
			p.stringLines(&b, r, res)
		}
	}
	if p.o.count {
		if p.dir {
			fmt.Fprintf(&b, "%s: %d\n", path, n)
		} else {
			fmt.Fprintf(&b, "%d\n", n)
		}
	}
	io.WriteString(p.w, b.String())
}

func (p *yaraPrinter) ruleLine(b *strings.Builder, r *yr.Rule, path string) {
	if p.o.printNS {
		b.WriteString(r.Namespace + ":")
	}
	b.WriteString(r.Name)
	if p.o.printTags {
		b.WriteString(" [" + strings.Join(r.Tags, ",") + "]")
	}
	if p.o.printMeta {
		var ms []string
		for _, m := range r.Meta {
			switch v := m.Value.(type) {
			case string:
				ms = append(ms, m.Key+"=\""+escapeMeta(v)+"\"")
			case int64:
				ms = append(ms, m.Key+" ="+strconv.FormatInt(v, 10)) // yara prints the space
			case bool:
				ms = append(ms, m.Key+"="+strconv.FormatBool(v))
			}
		}
		b.WriteString(" [" + strings.Join(ms, ",") + "]")
	}
	b.WriteString(" " + path + "\n")
}

func escapeMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 32 || c > 126:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (p *yaraPrinter) stringLines(b *strings.Builder, r *yr.Rule, res *ym.Result) {
	for _, g := range r.Strings {
		s := p.rules.Strings[g]
		if s.Private {
			continue
		}
		for _, m := range res.Matches[g] {
			fmt.Fprintf(b, "0x%x:", m.Off)
			if p.o.printLength {
				fmt.Fprintf(b, "%d:", min(m.Len, maxPrintedData)) // yara prints the stored length
			}
			b.WriteString(s.Name + ": ")
			data := res.Data[m.Off : m.Off+int64(min(m.Len, maxPrintedData))]
			if s.Kind == yr.Hex {
				for i, c := range data {
					if i == maxPrintedHex {
						b.WriteString(" ...")
						break
					}
					if i > 0 {
						b.WriteByte(' ')
					}
					fmt.Fprintf(b, "%02X", c)
				}
			} else {
				for _, c := range data {
					if c >= 32 && c <= 126 {
						b.WriteByte(c)
					} else {
						fmt.Fprintf(b, `\x%02X`, c)
					}
				}
			}
			b.WriteByte('\n')
		}
	}
}
