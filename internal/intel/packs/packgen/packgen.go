// Package packgen builds cascade's built-in intel packs from the IOC table
// (source/supply-chain-iocs.csv), the rules that say how each row is used
// (source/rules.csv) and the hand-curated records of each incident
// (curated/<incident>.json). It is used by the packs generator and by the
// test that keeps the committed packs equal to its output.
package packgen

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Paths inside the packs directory.
const (
	TablePath  = "source/supply-chain-iocs.csv"
	RulesPath  = "source/rules.csv"
	CuratedDir = "curated"
	DataDir    = "data"
)

// Disposition actions.
const (
	UsedAsIndicator = "indicator"
	UsedByCurated   = "curated"
	Skipped         = "skip"
)

// Disposition records what became of one table row (or one alternative of
// a "a / b" row).
type Disposition struct {
	Line     int
	Incident string
	Type     string
	Value    string
	Action   string   // indicator, curated or skip
	Targets  []string // indicator IDs, or the curated record
	Reason   string   // the rule's reason, for skip and curated
	RuleLine int      // the rule that decided, 0 for a mechanical mapping
}

// Result is the generator's output.
type Result struct {
	// Packs maps an incident name to its pack file content.
	Packs map[string][]byte
	// Rows says what happened to every table row, in table order.
	Rows []Disposition
	// TableRows is the number of rows in the table.
	TableRows int
}

type builder struct {
	rules *ruleSet
	packs map[string]*pack
	rows  []Disposition
	cites []pendingCite
}

type pendingCite struct {
	row    row
	target string
	refs   []string
}

// Build generates every pack from the files in dir (the packs directory).
func Build(dir fs.FS) (*Result, error) {
	rows, rules, err := readInputs(dir)
	if err != nil {
		return nil, err
	}
	b := &builder{rules: rules, packs: map[string]*pack{}}
	if err := b.loadCurated(dir, rows); err != nil {
		return nil, err
	}
	var errs []error
	for _, r := range rows {
		if err := b.dispose(r); err != nil {
			errs = append(errs, &intel.LoadError{File: TablePath, Line: r.Line, Err: err})
		}
	}
	errs = append(errs, b.applyCites()...)
	for _, ru := range rules.unused() {
		errs = append(errs, &intel.LoadError{File: RulesPath, Line: ru.Line, Err: errors.New("rule matches no row")})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := &Result{Packs: map[string][]byte{}, Rows: b.rows, TableRows: len(rows)}
	for name, p := range b.packs {
		if res.Packs[name], err = p.finish(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func readInputs(dir fs.FS) ([]row, *ruleSet, error) {
	tf, err := dir.Open(TablePath)
	if err != nil {
		return nil, nil, err
	}
	defer tf.Close()
	rows, err := readRows(TablePath, tf)
	if err != nil {
		return nil, nil, err
	}
	rf, err := dir.Open(RulesPath)
	if err != nil {
		return nil, nil, err
	}
	defer rf.Close()
	rules, err := parseRules(RulesPath, rf)
	return rows, rules, err
}

// loadCurated reads one curated file per incident of the table; a curated
// file without rows is an error too.
func (b *builder) loadCurated(dir fs.FS, rows []row) error {
	for _, r := range rows {
		if b.packs[r.Incident] != nil {
			continue
		}
		name := path.Join(CuratedDir, r.Incident+".json")
		data, err := fs.ReadFile(dir, name)
		if err != nil {
			return fmt.Errorf("incident %s (table line %d) has no curated file: %w", r.Incident, r.Line, err)
		}
		if b.packs[r.Incident], err = decodeCurated(name, r.Incident, data); err != nil {
			return err
		}
	}
	files, err := fs.Glob(dir, path.Join(CuratedDir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if b.packs[strings.TrimSuffix(path.Base(f), ".json")] == nil {
			return fmt.Errorf("%s: no table row belongs to this incident", f)
		}
	}
	return nil
}

// dispose decides what a row becomes: a skip or curated rule on the whole
// value wins; otherwise each alternative of the value is looked up again
// and, without a rule, mapped mechanically by type.
func (b *builder) dispose(r row) error {
	if b.decided(r, r.Value) {
		return nil
	}
	var errs []error
	for _, part := range parts(r) {
		if part != r.Value && b.decided(r, part) {
			continue
		}
		inds, err := b.convert(r, part)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p := b.packs[r.Incident]
		p.add(inds...)
		d := Disposition{Line: r.Line, Incident: r.Incident, Type: r.Type, Value: part, Action: UsedAsIndicator}
		for _, ind := range inds {
			d.Targets = append(d.Targets, ind.ID)
		}
		b.rows = append(b.rows, d)
		b.addCites(r, part)
	}
	return errors.Join(errs...)
}

// decided applies a skip or curated rule for value, if there is one.
func (b *builder) decided(r row, value string) bool {
	found := b.rules.lookup(r.Incident, r.Type, value, dispositions...)
	if len(found) == 0 {
		return false
	}
	ru := found[0]
	d := Disposition{Line: r.Line, Incident: r.Incident, Type: r.Type, Value: value,
		Action: ru.Action, Reason: ru.Reason, RuleLine: ru.Line}
	if ru.Action == actCurated {
		d.Targets = []string{ru.Arg}
		b.cites = append(b.cites, pendingCite{row: r, target: ru.Arg, refs: r.refs()})
		b.addCites(r, value)
	}
	b.rows = append(b.rows, d)
	return true
}

// addCites queues the cite rules of a used row.
func (b *builder) addCites(r row, value string) {
	for _, c := range b.rules.lookup(r.Incident, r.Type, value, actCite) {
		b.cites = append(b.cites, pendingCite{row: r, target: c.Arg, refs: r.refs()})
	}
}

// applyCites adds the references of curated and cited rows to their
// records, once every row has been converted.
func (b *builder) applyCites() []error {
	var errs []error
	for _, c := range b.cites {
		if err := b.packs[c.row.Incident].cite(c.target, c.refs); err != nil {
			errs = append(errs, &intel.LoadError{File: TablePath, Line: c.row.Line, Err: err})
		}
	}
	return errs
}

// finish encodes a pack and checks the result loads, validates and cites
// a source for every record.
func (p *pack) finish() ([]byte, error) {
	if missing := p.unreferenced(); len(missing) > 0 {
		return nil, fmt.Errorf("%s: records without references: %s", p.file, strings.Join(missing, ", "))
	}
	if err := p.checkSameFile(); err != nil {
		return nil, err
	}
	p.fillSources()
	data, err := p.encode()
	if err != nil {
		return nil, err
	}
	if _, err := intel.DecodeNative(p.name+".json", data); err != nil {
		return nil, fmt.Errorf("generated pack does not load: %w", err)
	}
	return data, nil
}

// checkSameFile requires the SHA-256 of every same-file rule to be one of
// the pack's SHA-256 indicators: a digest typed into the rules alone,
// with no row of the table behind it, cites no source.
func (p *pack) checkSameFile() error {
	have := map[string]bool{}
	for _, ind := range slices.Concat(p.doc.Indicators, p.generated) {
		if ind.Type == intel.SHA256 {
			have[ind.Value] = true
		}
	}
	var errs []error
	for _, ind := range p.generated {
		if s, ok := ind.SameFile[intel.SHA256]; ok && !have[s] {
			errs = append(errs, fmt.Errorf("%s: indicator %s: same-file SHA-256 %s is no sha256 row of the incident", p.file, ind.ID, s))
		}
	}
	return errors.Join(errs...)
}

// Names returns the pack names in r, sorted.
func (r *Result) Names() []string {
	names := make([]string, 0, len(r.Packs))
	for n := range r.Packs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
