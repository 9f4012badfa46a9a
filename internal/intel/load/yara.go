package load

import (
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/yara"
)

// FormatYARA is a YARA rule file, named *.yar or *.yara.
const FormatYARA = "yara"

// yaraName reports a YARA rule file by its extension: rule text has no
// magic of its own.
func yaraName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yar" || ext == ".yara"
}

// yaraExternals are the external variables a scan defines (as
// internal/match/yara.Externals), so rules using them compile here too.
var yaraExternals = []string{"filename", "filepath", "extension", "filetype", "owner"}

// loadYARA makes a rule file one YARA indicator: its ID and namespace
// name the file, its Value is the path (so includes resolve when the
// rules are compiled for a scan). The rules are compiled here, so a file
// that does not compile is an error naming its line and column.
func loadYARA(name string, data []byte) (*intel.Intel, error) {
	c := yara.NewCompiler()
	for _, x := range yaraExternals {
		if err := c.DefineExternal(x, ""); err != nil {
			return nil, err
		}
	}
	if err := c.AddSource(name, string(data), ""); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	src := intel.Source{ID: "yara:" + abs, Name: filepath.Base(name), Kind: "yara", Location: abs}
	ind := intel.Indicator{ID: "yara-file:" + abs, Type: intel.YARA, Value: abs, Pattern: string(data),
		PatternType: "yara", Description: "YARA rules from " + filepath.Base(name), Sources: []string{src.ID}}
	return &intel.Intel{Sources: []intel.Source{src}, Indicators: []intel.Indicator{ind}}, nil
}
