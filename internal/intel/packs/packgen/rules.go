package packgen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Rule actions. skip and curated decide what happens to a row (its
// disposition); the others adjust the indicator a mapped row becomes.
const (
	actSkip    = "skip"    // the row is not used; the reason says why
	actCurated = "curated" // the fact lives in a curated record (argument: target)
	actScore   = "score"   // indicator score (argument: 0..100)
	actAs      = "as"      // indicator type other than the row type's default
	actValue   = "value"   // replacement value (e.g. a serial converted to hex)
	actRegex   = "regex"   // filename regex other than the escaped file name
	actFP      = "fp"      // false-positive regex of a filename indicator
	actExpand  = "expand"  // replace %d in the value with each integer of "A..B"
	actCite    = "cite"    // also add the row's references to a curated record
	// actContext marks a name or path every install of a product has
	// (argument: the product): context for a corroborated finding, never
	// a finding on its own.
	actContext = "context"
	actSame    = "same-file" // the SHA-256 of the file a sha1 or md5 row names
	// actFileType gives the file types ("pe|zip") the file a digest row
	// names has, where the source says what it is.
	actFileType = "file-type"
)

var dispositions = []string{actSkip, actCurated}

var knownActions = []string{actSkip, actCurated, actScore, actAs, actValue, actRegex, actFP, actExpand, actCite, actContext, actSame, actFileType}

// wildcard matches any incident or any value in a rule.
const wildcard = "*"

var rulesHeader = []string{"incident", "type", "value", "action", "argument", "reason"}

// rule is one line of the rules file.
type rule struct {
	Line     int
	Incident string
	Type     string
	Value    string
	Action   string
	Arg      string
	Reason   string
	used     bool
}

type ruleKey struct{ incident, typ, value, action string }

// ruleSet indexes rules for lookup by specificity.
type ruleSet struct {
	name  string
	rules []*rule
	index map[ruleKey][]*rule
}

// parseRules reads the rules file: CSV with '#' comment lines.
func parseRules(name string, rd io.Reader) (*ruleSet, error) {
	cr := csv.NewReader(rd)
	cr.Comment = '#'
	cr.FieldsPerRecord = len(rulesHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("reading header: %w", err)}
	}
	if !slices.Equal(head, rulesHeader) {
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("header is %q, want %q", head, rulesHeader)}
	}
	rs := &ruleSet{name: name, index: map[ruleKey][]*rule{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return nil, &intel.LoadError{File: name, Err: err}
		}
		line, _ := cr.FieldPos(0)
		r := &rule{Line: line, Incident: rec[0], Type: rec[1], Value: rec[2], Action: rec[3], Arg: rec[4], Reason: rec[5]}
		if err := rs.add(r); err != nil {
			return nil, &intel.LoadError{File: name, Line: line, Err: err}
		}
	}
}

func (rs *ruleSet) add(r *rule) error {
	switch {
	case r.Incident == "" || r.Type == "" || r.Value == "":
		return errors.New("incident, type and value are required (use * for any)")
	case !slices.Contains(knownActions, r.Action):
		return fmt.Errorf("unknown action %q", r.Action)
	case r.Reason == "":
		return errors.New("every rule needs a reason")
	case r.Action != actSkip && r.Arg == "":
		return fmt.Errorf("action %s needs an argument", r.Action)
	}
	k := ruleKey{r.Incident, r.Type, r.Value, r.Action}
	if len(rs.index[k]) > 0 && r.Action != actCite {
		return fmt.Errorf("duplicate %s rule (first at line %d)", r.Action, rs.index[k][0].Line)
	}
	if slices.Contains(dispositions, r.Action) {
		for _, other := range dispositions {
			if o := rs.index[ruleKey{r.Incident, r.Type, r.Value, other}]; other != r.Action && len(o) > 0 {
				return fmt.Errorf("conflicts with the %s rule at line %d", other, o[0].Line)
			}
		}
	}
	rs.index[k] = append(rs.index[k], r)
	rs.rules = append(rs.rules, r)
	return nil
}

// lookup returns the rules for the most specific key that has any of the
// actions: exact row, then any incident, then any value, then the type alone.
func (rs *ruleSet) lookup(incident, typ, value string, actions ...string) []*rule {
	keys := [][3]string{{incident, typ, value}, {wildcard, typ, value}, {incident, typ, wildcard}, {wildcard, typ, wildcard}}
	for _, k := range keys {
		var found []*rule
		for _, a := range actions {
			found = append(found, rs.index[ruleKey{k[0], k[1], k[2], a}]...)
		}
		if len(found) > 0 {
			for _, r := range found {
				r.used = true
			}
			return found
		}
	}
	return nil
}

// one returns the single most specific rule for action, or nil.
func (rs *ruleSet) one(incident, typ, value, action string) *rule {
	if found := rs.lookup(incident, typ, value, action); len(found) > 0 {
		return found[0]
	}
	return nil
}

// unused lists rules no row needed: a stale rule is an error, so the
// rules file cannot silently drift from the table.
func (rs *ruleSet) unused() []*rule {
	var out []*rule
	for _, r := range rs.rules {
		if !r.used {
			out = append(out, r)
		}
	}
	return out
}
