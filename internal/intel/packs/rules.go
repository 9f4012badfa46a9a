package packs

import (
	"embed"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// The packs' YARA rules, rules/<pack>.yar, written by this project from
// the public facts under source/ (see README.md). Each file becomes one
// YARA indicator of its pack; its rules carry their own scores.
//
//go:embed rules/*.yar
var rulesFS embed.FS

// referenceMeta finds the rules' reference metadata.
var referenceMeta = regexp.MustCompile(`(?m)^\s*reference\s*=\s*"([^"]+)"`)

// RulesID is the ID of the YARA indicator holding a pack's rules.
func RulesID(pack string) string { return pack + "/yara/rules" }

// Rules returns the text of a pack's YARA rules; ok is false when the
// pack has none.
func Rules(pack string) (string, bool) {
	b, err := rulesFS.ReadFile(path.Join("rules", pack+".yar"))
	if err != nil {
		return "", false
	}
	return string(b), true
}

// addRules adds the pack's YARA rules, if it has any, as one indicator
// of its incident, citing the references its rules name.
func addRules(in *intel.Intel, pack string) error {
	text, ok := Rules(pack)
	if !ok {
		return nil
	}
	ind := intel.Indicator{ID: RulesID(pack), Type: intel.YARA, Pattern: text, PatternType: "yara",
		Description: "built-in YARA rules of the " + pack + " pack", Sources: []string{"pack:" + pack}}
	for _, m := range referenceMeta.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(ind.References, m[1]) {
			ind.References = append(ind.References, m[1])
		}
	}
	if len(ind.References) == 0 {
		return errors.New("YARA rules without a reference")
	}
	for _, inc := range in.Incidents {
		if inc.ID == pack {
			ind.Incident = pack
		}
	}
	in.Indicators = append(in.Indicators, ind)
	return ind.Validate()
}

// RuleFiles lists the packs that have YARA rules.
func RuleFiles() []string {
	entries, _ := fs.ReadDir(rulesFS, "rules")
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yar"); ok {
			out = append(out, name)
		}
	}
	return out
}
