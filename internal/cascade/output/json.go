package output

import (
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

type jsonSeed struct {
	Node string    `json:"node"`
	Time time.Time `json:"time"`
}

type jsonTrace struct {
	Direction   string             `json:"direction"`
	Seeds       []jsonSeed         `json:"seeds"`
	At          time.Time          `json:"at"`
	Skew        string             `json:"skew"`
	SkewSeconds int64              `json:"skew_seconds"`
	MaxDepth    int                `json:"max_depth"`
	Excluded    []string           `json:"excluded"`
	Confidence  map[string]float64 `json:"confidence"`
}

func traceHeader(dir string, o *cascade.Options) jsonTrace {
	h := jsonTrace{Direction: dir, At: o.At.UTC(), Skew: o.Skew.String(), SkewSeconds: int64(o.Skew / time.Second),
		MaxDepth: o.MaxDepth, Excluded: []string{}, Confidence: map[string]float64{}}
	for _, s := range o.Seeds {
		h.Seeds = append(h.Seeds, jsonSeed{s.Node, s.Time.UTC()})
	}
	for _, k := range o.Exclude {
		h.Excluded = append(h.Excluded, k.String())
	}
	slices.Sort(h.Excluded)
	for k, c := range o.Confidence {
		h.Confidence[k.String()] = c
	}
	return h
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func forwardJSON(w io.Writer, r *cascade.Result) error {
	return writeJSON(w, struct {
		Trace    jsonTrace       `json:"trace"`
		Reached  []cascade.Reach `json:"reached"`
		Warnings []string        `json:"warnings"`
	}{traceHeader("forward", &r.Options), nonNil(r.Reached()), nonNil(r.Warnings())})
}

func backwardJSON(w io.Writer, r *cascade.BackResult) error {
	up := slices.Clone(r.Upstream)
	for i := range up {
		up[i].Path = r.Path(&up[i])
		up[i].FirstHost = cascade.FirstHost(up[i].Path)
	}
	return writeJSON(w, struct {
		Trace       jsonTrace          `json:"trace"`
		PatientZero []cascade.Upstream `json:"patient_zero"`
		Upstream    []cascade.Upstream `json:"upstream"`
		Warnings    []string           `json:"warnings"`
	}{traceHeader("backwards", &r.Options), nonNil(r.PatientZero), nonNil(up), nonNil(r.Warnings)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
