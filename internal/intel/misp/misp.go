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

// envelope is one event as a list or a search response holds it:
// {"Event": {...}}, or the event's own object without the wrapper (as
// PyMISP's to_json writes it).
type envelope struct {
	Event *event `json:"Event"`
	event
}

// get returns the event, or nil when the object is neither form.
func (e *envelope) get() *event {
	switch {
	case e.Event != nil:
		return e.Event
	case e.UUID != "" || e.Info != "" || len(e.Attributes) > 0 || len(e.Objects) > 0:
		return &e.event
	}
	return nil
}

// response is the "response" of a REST search: a list of events from
// events/restSearch; attributes/restSearch answers with an object.
type response []envelope

func (r *response) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return errAttributeSearch
	}
	return json.Unmarshal(b, (*[]envelope)(r))
}

var errAttributeSearch = errors.New(`an attributes/restSearch response ({"response": {"Attribute": [...]}}) holds no events: ` +
	`search events/restSearch instead, or export the events`)

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
	trimmed := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // JSON itself skips white space
	var envs []envelope
	var err error
	switch {
	case bytes.HasPrefix(bytes.TrimLeft(trimmed, " \t\r\n"), []byte("[")):
		err = json.Unmarshal(trimmed, &envs)
	default:
		var top struct {
			envelope
			Response response `json:"response"`
		}
		err = json.Unmarshal(trimmed, &top)
		envs = append(top.Response, top.envelope)
	}
	if errors.Is(err, errAttributeSearch) {
		return nil, &intel.LoadError{File: name, Err: err}
	}
	if err != nil {
		return nil, jsonError(name, trimmed, err)
	}
	var out []event
	for i := range envs {
		if ev := envs[i].get(); ev != nil {
			out = append(out, *ev)
		}
	}
	switch {
	case len(out) == 0:
		return nil, &intel.LoadError{File: name, Err: errors.New(`no MISP event: want {"Event": {...}}, an event object, a list of them, or {"response": [...]}`)}
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
