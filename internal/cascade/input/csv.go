package input

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// table reads a CSV file with a header row into records by column name.
// Unknown columns are an error; required ones must be present.
type table struct {
	name string
	r    *csv.Reader
	cols map[string]int
}

func newTable(name string, data []byte, known, required []string) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: header: %w", name, err)
	}
	t := &table{name: name, r: r, cols: map[string]int{}}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(known, h) {
			return nil, fmt.Errorf("%s:1: unknown column %q (want %s)", name, h, strings.Join(known, ", "))
		}
		if _, dup := t.cols[h]; dup {
			return nil, fmt.Errorf("%s:1: column %q twice", name, h)
		}
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s:1: no %q column (need %s)", name, c, strings.Join(required, ", "))
		}
	}
	return t, nil
}

// each calls f for every record, with a getter by column and the record's
// file:line.
func (t *table) each(f func(get func(string) string, at string) error) error {
	for {
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil { // a csv.ParseError names its line
			return fmt.Errorf("%s: %w", t.name, err)
		}
		line, _ := t.r.FieldPos(0)
		at := fmt.Sprintf("%s:%d", t.name, line)
		get := func(c string) string {
			i, ok := t.cols[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if err := f(get, at); err != nil {
			return err
		}
	}
}

func parseConfidence(s string) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	c, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("confidence %q: not a number", s)
	}
	return &c, nil
}
