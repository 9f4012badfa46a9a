package yara

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Defaults of a Ruleset's limits.
const (
	// DefaultFileTimeout is the time the rule set gets for a file, plus
	// timePerMiB for each MiB of it.
	DefaultFileTimeout = 30 * time.Second
	timePerMiB         = time.Second
	DefaultMaxFileSize = 256 << 20
	// DefaultScore is a matching rule's score when it has no `score`
	// metadata: Loki's default (THOR and Loki read the same key).
	DefaultScore = 70
	// maxStringMatches caps the string matches a finding lists per rule.
	maxStringMatches = 20
	// maxMatchData caps the bytes of one listed match.
	maxMatchData = 64
)

// engineVersion changes whenever the engine's results for the same rules
// and file may change, so cached results are evaluated again.
const engineVersion = "cascade-yara/1"

// Externals are the external variables every rule set of a scan can use,
// as Loki and THOR define them (all strings).
var Externals = []string{"filename", "filepath", "extension", "filetype", "owner"}

// Ruleset is the YARA rules of an intel body compiled for a scan: each
// indicator's rule text in its own namespace (the indicator's ID), so
// rules of different sources never clash. It implements the collection
// engine's rule scanner. Safe for concurrent use.
type Ruleset struct {
	scanner     *Scanner
	fingerprint string
	// Timeout bounds the evaluation of the whole rule set over one file,
	// plus PerMiB for each MiB of the file (Timeout 0: no bound but the
	// engine's).
	Timeout, PerMiB time.Duration
	// Max is the largest file scanned.
	Max int64
}

// FromIntel compiles the active YARA indicators of in; nil (and no error)
// when there are none. A rule text that does not compile is an error
// naming its indicator and sources. Rule texts loaded from a file carry
// its path in Value, so relative includes resolve against it.
func FromIntel(in *intel.Intel, at time.Time) (*Ruleset, error) {
	c := yr.NewCompiler()
	fp := sha256.New()
	fmt.Fprintf(fp, "%s\x00", engineVersion)
	read := c.ReadFile
	c.ReadFile = func(p string) ([]byte, error) {
		b, err := read(p)
		fmt.Fprintf(fp, "include\x00%s\x00%d\x00", p, len(b))
		fp.Write(b)
		return b, err
	}
	for _, name := range Externals {
		if err := c.DefineExternal(name, ""); err != nil {
			return nil, err
		}
	}
	n := 0
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		if ind.Type != intel.YARA || !ind.ActiveAt(at) {
			continue
		}
		name := ruleFileName(ind)
		fmt.Fprintf(fp, "%s\x00%s\x00%d\x00%s", ind.ID, name, len(ind.Pattern), ind.Pattern)
		if err := c.AddSource(name, ind.Pattern, ind.ID); err != nil {
			if len(ind.Sources) == 0 {
				return nil, fmt.Errorf("YARA rules of indicator %s: %w", ind.ID, err)
			}
			return nil, fmt.Errorf("YARA rules of indicator %s (source %s): %w", ind.ID, strings.Join(ind.Sources, ", "), err)
		}
		n++
	}
	if n == 0 {
		return nil, nil
	}
	rules, err := c.Rules()
	if err != nil {
		return nil, err
	}
	s, err := New(rules)
	if err != nil {
		return nil, err
	}
	s.MaxMatches = DefaultMaxMatches
	return &Ruleset{scanner: s, fingerprint: hex.EncodeToString(fp.Sum(nil))[:32],
		Timeout: DefaultFileTimeout, PerMiB: timePerMiB, Max: DefaultMaxFileSize}, nil
}

// ruleFileName is the name a rule text compiles under: the file it was
// loaded from when that file exists (so includes resolve), else the
// indicator's ID.
func ruleFileName(ind *intel.Indicator) string {
	if ind.Value != "" {
		if st, err := os.Stat(ind.Value); err == nil && st.Mode().IsRegular() {
			return ind.Value
		}
	}
	return ind.ID
}

// Rules is the compiled rule set.
func (r *Ruleset) Rules() *yr.Rules { return r.scanner.Rules() }

// Fingerprint identifies the rules, the included files and the engine.
func (r *Ruleset) Fingerprint() string { return r.fingerprint }

// MaxSize is the largest file scanned.
func (r *Ruleset) MaxSize() int64 { return r.Max }

// Scan evaluates every rule over data, the whole content of the file rec
// describes, within the Timeout.
func (r *Ruleset) Scan(ctx context.Context, data []byte, rec *snapshot.File) ([]snapshot.YARAMatch, error) {
	limit := r.Timeout + time.Duration(len(data)>>20)*r.PerMiB
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	res, err := r.scanner.ScanBytesWith(ctx, data, FileExternals(rec))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rules took longer than %v: %w", limit, ctx.Err())
		}
		return nil, err
	}
	rules := r.scanner.Rules()
	var out []snapshot.YARAMatch
	for _, i := range res.MatchingRules(rules) {
		out = append(out, describe(rules, i, res))
	}
	r.scanner.recycle(res)
	return out, nil
}

// describe makes the record of one matching rule.
func describe(rules *yr.Rules, i int, res *Result) snapshot.YARAMatch {
	rule := rules.Rules[i]
	m := snapshot.YARAMatch{Rule: rule.Name, Namespace: rule.Namespace, Indicator: rule.Namespace,
		Tags: rule.Tags, Score: metaScore(rule.Meta), Description: metaString(rule.Meta, "description"),
		Reference: metaString(rule.Meta, "reference")}
	for _, si := range rule.Strings {
		str := rules.Strings[si]
		if str.Private {
			continue
		}
		for _, mt := range res.Matches[si] {
			if len(m.Strings) == maxStringMatches {
				m.StringsCapped = true
				break
			}
			m.Strings = append(m.Strings, snapshot.YARAStringMatch{Name: str.Name, Offset: mt.Off,
				Length: mt.Len, Data: escapeData(res.Data, mt)})
		}
	}
	return m
}

// metaScore is the rule's `score` metadata (an integer, or a string
// holding one) within 0–100; 0 when it has none.
func metaScore(meta []yr.Meta) int {
	for _, m := range meta {
		if m.Key != "score" {
			continue
		}
		var v int64
		switch x := m.Value.(type) {
		case int64:
			v = x
		case string:
			if _, err := fmt.Sscan(x, &v); err != nil {
				continue
			}
		default:
			continue
		}
		return int(min(max(v, 1), 100))
	}
	return 0
}

// metaString is the rule's string metadata named key, or "".
func metaString(meta []yr.Meta, key string) string {
	for _, m := range meta {
		if v, ok := m.Value.(string); ok && m.Key == key {
			return v
		}
	}
	return ""
}

// escapeData renders a match's bytes as yara -s does: printable ASCII as
// is, other bytes as \xHH, at most maxMatchData bytes.
func escapeData(data []byte, m yr.Match) string {
	end := m.Off + int64(min(m.Len, maxMatchData))
	if m.Off < 0 || end > int64(len(data)) {
		return ""
	}
	var b strings.Builder
	for _, c := range data[m.Off:end] {
		if c >= 0x20 && c <= 0x7e {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	if m.Len > maxMatchData {
		b.WriteString("...")
	}
	return b.String()
}
