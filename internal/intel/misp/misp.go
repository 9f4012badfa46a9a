// Package misp loads MISP content: core-format events (one event, a list
// of events, or a REST search response), MISP feed directories, and MISP
// warninglists. Only attributes flagged to_ids become detection
// indicators; the rest of an event is context (its incident, actors,
// malware and references).
package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel"
)

// MaxEvents bounds the events one document or feed may hold.
const MaxEvents = 100_000

// SniffEvent reports whether a document's start looks like MISP events.
func SniffEvent(head []byte) bool {
	h := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf[")
	return bytes.HasPrefix(h, []byte("{")) && (bytes.Contains(h, []byte(`"Event"`)) ||
		bytes.Contains(h, []byte(`"response"`)) && bytes.Contains(h, []byte(`"Attribute"`)))
}

// envelope is one element of an event list: {"Event": {...}}.
type envelope struct {
	Event *event `json:"Event"`
}

// Load reads one event, a list of events or a search response.
func Load(name string, data []byte) (*intel.Intel, error) {
	events, err := decodeEvents(name, data)
	if err != nil {
		return nil, err
	}
	in := &intel.Intel{}
	for i := range events {
		ev, err := convert(name, &events[i])
		if err != nil {
			return nil, err
		}
		in.Merge(ev)
	}
	return in, nil
}

func decodeEvents(name string, data []byte) ([]event, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	var envs []envelope
	var err error
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		err = json.Unmarshal(trimmed, &envs)
	default:
		var top struct {
			Event    *event     `json:"Event"`
			Response []envelope `json:"response"`
		}
		err = json.Unmarshal(trimmed, &top)
		envs = append(top.Response, envelope{top.Event})
	}
	if err != nil {
		return nil, jsonError(name, data, err)
	}
	var out []event
	for _, e := range envs {
		if e.Event != nil {
			out = append(out, *e.Event)
		}
	}
	switch {
	case len(out) == 0:
		return nil, &intel.LoadError{File: name, Err: errors.New(`no MISP event: want {"Event": {...}} or a list of them`)}
	case len(out) > MaxEvents:
		return nil, &intel.LoadError{File: name, Err: fmt.Errorf("%d events is over the %d limit", len(out), MaxEvents)}
	}
	return out, nil
}

// jsonError places a decoding error at its line and column.
func jsonError(name string, data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line, col := intel.LineCol(data, off)
	if off == 0 {
		line, col = 0, 0
	}
	return &intel.LoadError{File: name, Line: line, Column: col, Err: fmt.Errorf("malformed MISP JSON: %w", err)}
}

func base(name string) string { return filepath.Base(name) }
