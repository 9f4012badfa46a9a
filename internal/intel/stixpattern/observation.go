package stixpattern

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"
)

// Observation is one observed-data: number_observed sightings between
// first_observed and last_observed of a set of cyber-observable objects.
type Observation struct {
	ID             string
	FirstObserved  time.Time
	LastObserved   time.Time
	NumberObserved int64

	objects []objRef           // the observation's objects, in input order
	byKey   map[string]*value  // object_refs ids and embedded "objects" keys
	byType  map[string][]int32 // object type → indices into objects
}

type objRef struct {
	key string
	typ string
	v   *value
}

// Objects returns the number of objects the observation holds.
func (o *Observation) Objects() int { return len(o.objects) }

// addObject adds an object under key; a repeated key is ignored.
func (o *Observation) addObject(key string, v *value) {
	if o.byKey == nil {
		o.byKey, o.byType = map[string]*value{}, map[string][]int32{}
	}
	if _, dup := o.byKey[key]; dup {
		return
	}
	typ := v.obj.str("type")
	o.byKey[key] = v
	o.byType[typ] = append(o.byType[typ], int32(len(o.objects)))
	o.objects = append(o.objects, objRef{key: key, typ: typ, v: v})
}

// NewObservation builds an observation from Go values, for callers that
// hold observations in another form (a scanner's inventory). Each object is
// a JSON-like map (map[string]any, []any, string, bool, nil, json.Number,
// int, int64, float64) with a "type"; keys are how *_ref properties refer to
// the objects.
func NewObservation(id string, first, last time.Time, number int64, objects map[string]map[string]any) (Observation, error) {
	o := Observation{ID: id, FirstObserved: first.UTC(), LastObserved: last.UTC(), NumberObserved: number}
	if number < 1 {
		return o, fmt.Errorf("observation %s: number_observed %d must be at least 1", id, number)
	}
	if last.Before(first) {
		return o, fmt.Errorf("observation %s: last_observed is before first_observed", id)
	}
	keys := make([]string, 0, len(objects))
	for k := range objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := fromGo(objects[k], 0)
		if err != nil {
			return o, fmt.Errorf("observation %s: object %s: %w", id, k, err)
		}
		o.addObject(k, v)
	}
	return o, nil
}

// fromGo converts a JSON-like Go value.
func fromGo(x any, depth int) (*value, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	switch t := x.(type) {
	case nil:
		return &value{kind: vNull}, nil
	case bool:
		return &value{kind: vBool, b: t}, nil
	case string:
		return &value{kind: vString, str: t}, nil
	case json.Number:
		return jsonNumber(string(t))
	case int:
		return &value{kind: vNumber, num: number{isInt: true, i: big.NewInt(int64(t))}}, nil
	case int64:
		return &value{kind: vNumber, num: number{isInt: true, i: big.NewInt(t)}}, nil
	case float64:
		if math.IsNaN(t) {
			return nil, fmt.Errorf("NaN is not a JSON number")
		}
		return &value{kind: vNumber, num: number{f: t}}, nil
	case []any:
		l := &value{kind: vList}
		for _, e := range t {
			v, err := fromGo(e, depth+1)
			if err != nil {
				return nil, err
			}
			l.list = append(l.list, v)
		}
		return l, nil
	case map[string]any:
		return fromGoMap(t, depth)
	}
	return nil, fmt.Errorf("unsupported value of type %T", x)
}

func fromGoMap(m map[string]any, depth int) (*value, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := &object{}
	for _, k := range keys {
		v, err := fromGo(m[k], depth+1)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
	}
	return &value{kind: vObject, obj: o}, nil
}
