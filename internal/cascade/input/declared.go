package input

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// Declared is a file of edges an organization declares (admin access,
// shared credentials, network paths): CSV with the columns from, to, kind
// (default reaches), valid_from, valid_until, confidence, source (default
// declared), ref; or a graph file (.json). Endpoints must be declared nodes.
type Declared struct{ Path string }

var declaredCols = []string{"from", "to", "kind", "valid_from", "valid_until", "confidence", "source", "ref"}

// Load reads the file into b.
func (d Declared) Load(ctx context.Context, b *cascade.Builder) error {
	data, err := readFile(d.Path)
	if err != nil {
		return err
	}
	if strings.EqualFold(filepath.Ext(d.Path), ".json") {
		return LoadGraph(d.Path, data, b)
	}
	return LoadDeclaredCSV(d.Path, data, b)
}

// LoadDeclaredCSV reads declared edges in CSV.
func LoadDeclaredCSV(name string, data []byte, b *cascade.Builder) error {
	t, err := newTable(name, data, declaredCols, []string{"from", "to"})
	if err != nil {
		return err
	}
	return t.each(func(get func(string) string, at string) error {
		je := jsonEdge{Kind: get("kind"), From: get("from"), To: get("to"), ValidFrom: get("valid_from"), ValidUntil: get("valid_until"),
			Evidence: &jsonEvidence{Source: get("source"), Ref: get("ref")}}
		if je.Kind == "" {
			je.Kind = cascade.Reaches.String()
		}
		if je.Evidence.Source == "" {
			je.Evidence.Source = "declared"
		}
		if je.Evidence.Ref == "" {
			je.Evidence.Ref = at
		}
		if je.Confidence, err = parseConfidence(get("confidence")); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		e, err := je.edge(at)
		if err != nil {
			return err
		}
		return b.AddEdge(e)
	})
}
