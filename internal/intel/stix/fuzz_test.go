package stix

import (
	"errors"
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func FuzzLoad(f *testing.F) {
	data, err := os.ReadFile("testdata/3cx-bundle.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, s := range []string{"", "[", "{", "[]", "{}", `{"type":"bundle","objects":[]}`, `{"type":"bundle","objects":[1,"x",null]}`,
		`[{"type":"indicator","id":"indicator--1","pattern":"[a:b = 'c'] OR [d:e = 'f']"}]`,
		`[{"type":"relationship","id":"relationship--1","relationship_type":"indicates","source_ref":"indicator--1","target_ref":"indicator--1"}]`,
		"[{\"type\":\"x\xff\",\"id\":\"x\xff--1\"}]", `{"type":"indicator"}`, `[[[[[[[[[[]]]]]]]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Load("fuzz.json", data)
		if err != nil {
			var le *intel.LoadError
			if !errors.As(err, &le) || le.File != "fuzz.json" {
				t.Fatalf("error %v is not a LoadError for the file", err)
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("loaded intel does not validate: %v", err)
		}
	})
}

func FuzzSimplePattern(f *testing.F) {
	for _, s := range []string{"[file:hashes.'SHA-256' = 'aa']", "[domain-name:value = 'a.example'] OR [url:value = 'x']",
		`[file:name = 'a\'b']`, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "[", "[a:b = '"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		inds, ok := simpleIndicators(intel.Indicator{ID: "i", Score: 1}, p)
		if !ok {
			return
		}
		if checkPattern(p) != nil {
			t.Fatalf("%q converted but fails the structural check", p)
		}
		for _, ind := range inds {
			if err := ind.Validate(); err != nil {
				t.Fatalf("%q gave an invalid indicator: %v", p, err)
			}
		}
	})
}
