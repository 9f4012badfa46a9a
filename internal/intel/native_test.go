package intel

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeNativeErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"syntax", "{\"schema\": \"cascade.intel/v1\",\n  \"source\": {\"id\": \"x\"},\n  \"indicators\": [,]}", "t.json:3:"},
		{"unknown field", "{\"schema\":\"cascade.intel/v1\",\"source\":{\"id\":\"x\"},\n\"indikators\":[]}", "t.json:2:"},
		{"wrong schema", `{"schema":"cascade.intel/v9","source":{"id":"x"}}`, `want "cascade.intel/v1"`},
		{"no source", `{"schema":"cascade.intel/v1","source":{}}`, "source.id"},
		{"bad hash", `{"schema":"cascade.intel/v1","source":{"id":"x"},"indicators":[{"id":"a","type":"md5","value":"abc","score":1}]}`, "indicator 0 (a)"},
		{"bad score", `{"schema":"cascade.intel/v1","source":{"id":"x"},"indicators":[{"id":"a","type":"domain","value":"a.example","score":101}]}`, "outside 0..100"},
		{"bad regex", `{"schema":"cascade.intel/v1","source":{"id":"x"},"indicators":[{"id":"a","type":"filename","value":"(","score":1}]}`, "regex"},
		{"trailing", `{"schema":"cascade.intel/v1","source":{"id":"x"}} {}`, "trailing"},
		{"advisory without versions", `{"schema":"cascade.intel/v1","source":{"id":"x"},"advisories":[{"id":"a","product":"p","score":1,"affected":[{"platform":"windows"}]}]}`, "needs versions or ranges"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeNative("t.json", []byte(tt.doc))
			var le *LoadError
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a LoadError containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeNativeDefaultsSources(t *testing.T) {
	in, err := DecodeNative("t.json", []byte(`{"schema":"cascade.intel/v1","source":{"id":"src"},
"actors":[{"id":"a","name":"A","aliases":[{"name":"B"}]}],
"indicators":[{"id":"i","type":"domain","value":"evil.example","score":80}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.Indicators[0].Sources[0] != "src" || in.Actors[0].Aliases[0].Source != "src" {
		t.Errorf("sources not defaulted: %+v %+v", in.Indicators[0], in.Actors[0])
	}
}

func FuzzDecodeNative(f *testing.F) {
	f.Add([]byte(`{"schema":"cascade.intel/v1","source":{"id":"x"},"indicators":[{"id":"a","type":"url","value":"http://a.example/%d","score":5}]}`))
	f.Add([]byte(`{"schema":"cascade.intel/v1","source":{"id":"x"},"advisories":[{"id":"a","product":"p","score":1,"affected":[{"versions":["1"]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := DecodeNative("fuzz.json", data)
		if err == nil {
			if verr := in.Validate(); verr != nil {
				t.Fatalf("decoded intel does not validate: %v", verr)
			}
		}
	})
}
