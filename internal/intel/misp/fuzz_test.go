package misp

import (
	"errors"
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/warninglist"
)

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "{", "[]", "{}", `{"Event":null}`, `{"Event":{"Attribute":[{"type":"filename|sha256","value":"|","to_ids":"1"}]}}`,
		`{"response":[{"Event":{"Tag":[{"name":"misp-galaxy:threat-actor="}]}}]}`, "{\"Event\":{\"info\":\"\xff\"}}"} {
		f.Add([]byte(s))
	}
}

func checkLoadErr(t *testing.T, err error) {
	var le *intel.LoadError
	if !errors.As(err, &le) || le.File != "fuzz.json" {
		t.Fatalf("error %v is not a LoadError for the file", err)
	}
}

func FuzzLoadEvent(f *testing.F) {
	seed(f, "testdata/3cx-event.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Load("fuzz.json", data)
		if err != nil {
			checkLoadErr(t, err)
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("loaded intel does not validate: %v", err)
		}
	})
}

func FuzzLoadWarninglist(f *testing.F) {
	seed(f, "testdata/vendor-domains-warninglist.json", "testdata/resolvers-warninglist.json")
	f.Add([]byte(`{"name":"r","type":"regex","list":["/a+/i","(a"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := LoadWarninglist("fuzz.json", data)
		if err != nil {
			checkLoadErr(t, err)
			return
		}
		set, err := warninglist.Compile(in.Warninglists)
		if err != nil {
			t.Fatalf("validated list does not compile: %v", err)
		}
		for _, v := range []string{"a", "10.0.0.1", "x.example.com", "http://x.example.com/a"} {
			for _, k := range []intel.Type{intel.Domain, intel.IP, intel.URL, intel.SHA256} {
				set.Suppresses(k, v)
			}
		}
	})
}
