package packgen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// csvHeader is the column layout of the IOC table.
var csvHeader = []string{"incident", "type", "value", "context", "source"}

// refSep separates citations in the source column.
const refSep = " | "

// row is one line of the IOC table.
type row struct {
	Line     int // line in the CSV file, 1-based (the header is line 1)
	Incident string
	Type     string
	Value    string
	Context  string
	Source   string
}

// refs splits the source column into its citations.
func (r row) refs() []string {
	var out []string
	for _, s := range strings.Split(r.Source, refSep) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// readRows parses the IOC table. Every row needs an incident, a type, a
// value and at least one source.
func readRows(name string, rd io.Reader) ([]row, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = len(csvHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, &intel.LoadError{File: name, Line: 1, Err: fmt.Errorf("reading header: %w", err)}
	}
	if !slices.Equal(head, csvHeader) {
		return nil, &intel.LoadError{File: name, Line: 1, Err: fmt.Errorf("header is %q, want %q", head, csvHeader)}
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, &intel.LoadError{File: name, Err: err}
		}
		line, _ := cr.FieldPos(0)
		r := row{Line: line, Incident: rec[0], Type: rec[1], Value: rec[2], Context: rec[3], Source: rec[4]}
		if r.Incident == "" || r.Type == "" || r.Value == "" || len(r.refs()) == 0 {
			return nil, &intel.LoadError{File: name, Line: line, Err: errors.New("incident, type, value and source are required")}
		}
		rows = append(rows, r)
	}
}
