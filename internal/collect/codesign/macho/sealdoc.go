package macho

import (
	"fmt"
	"regexp"
	"sort"

	"howett.net/plist"
)

// sealEntry is one sealed file of CodeResources (files2, else files).
type sealEntry struct {
	sha1, sha256 []byte
	optional     bool
	symlink      string
	cdhash       []byte // nested code
	nested       bool
}

// sealRule is one rules2 (else rules) entry.
type sealRule struct {
	re       *regexp.Regexp
	omit     bool
	optional bool
	nested   bool
	weight   float64
}

// sealDoc is a parsed CodeResources.
type sealDoc struct {
	files map[string]sealEntry
	rules []sealRule
}

func parseSeal(b []byte) (*sealDoc, error) {
	var raw struct {
		Files  map[string]any `plist:"files"`
		Files2 map[string]any `plist:"files2"`
		Rules  map[string]any `plist:"rules"`
		Rules2 map[string]any `plist:"rules2"`
	}
	if _, err := plist.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("CodeResources: %w", err)
	}
	files, rules := raw.Files2, raw.Rules2
	if files == nil {
		files, rules = raw.Files, raw.Rules
	}
	if files == nil {
		return nil, fmt.Errorf("CodeResources has neither files2 nor files")
	}
	d := &sealDoc{files: make(map[string]sealEntry, len(files))}
	for name, v := range files {
		d.files[name] = entryOf(v)
	}
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		re, err := regexp.Compile(k)
		if err != nil {
			continue // a rule Go's regexp cannot express is not applied
		}
		d.rules = append(d.rules, ruleOf(re, rules[k]))
	}
	return d, nil
}

func entryOf(v any) sealEntry {
	switch x := v.(type) {
	case []byte:
		return sealEntry{sha1: x}
	case map[string]any:
		e := sealEntry{}
		e.sha1, _ = x["hash"].([]byte)
		e.sha256, _ = x["hash2"].([]byte)
		e.optional, _ = x["optional"].(bool)
		e.symlink, _ = x["symlink"].(string)
		e.cdhash, _ = x["cdhash"].([]byte)
		_, e.nested = x["requirement"]
		e.nested = e.nested || e.cdhash != nil
		return e
	}
	return sealEntry{}
}

func ruleOf(re *regexp.Regexp, v any) sealRule {
	r := sealRule{re: re, weight: 1}
	if m, ok := v.(map[string]any); ok {
		r.omit, _ = m["omit"].(bool)
		r.optional, _ = m["optional"].(bool)
		r.nested, _ = m["nested"].(bool)
		switch w := m["weight"].(type) {
		case float64:
			r.weight = w
		case uint64:
			r.weight = float64(w)
		case int64:
			r.weight = float64(w)
		}
	}
	return r
}

// rule returns the heaviest rule matching rel, or nil.
func (d *sealDoc) rule(rel string) *sealRule {
	var best *sealRule
	for i := range d.rules {
		r := &d.rules[i]
		if r.re.MatchString(rel) && (best == nil || r.weight > best.weight) {
			best = r
		}
	}
	return best
}
