package misp

import (
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/warninglist"
)

func TestWarninglists(t *testing.T) {
	var lists []intel.Warninglist
	for _, f := range []string{"testdata/vendor-domains-warninglist.json", "testdata/resolvers-warninglist.json"} {
		data, _ := os.ReadFile(f)
		in, err := LoadWarninglist(f, data)
		if err != nil {
			t.Fatal(err)
		}
		lists = append(lists, in.Warninglists...)
	}
	set, err := warninglist.Compile(lists)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind  intel.Type
		value string
		want  string
	}{
		{intel.Domain, "tradingtechnologies.com", "Legitimate software vendor domains (test list)"},
		{intel.Domain, "download.tradingtechnologies.com", "Legitimate software vendor domains (test list)"},
		{intel.URL, "https://www.3cx.com/blog/", "Legitimate software vendor domains (test list)"},
		{intel.Domain, "akamaicontainer.com", ""},
		{intel.Domain, "not3cx.com", ""},
		{intel.IP, "9.9.9.9", "Public DNS resolvers (test list)"},
		{intel.IP, "9.9.0.0/16", ""}, // a wider range than the list covers
		{intel.IP, "2001:4860:4860::8888", "Public DNS resolvers (test list)"},
		{intel.Domain, "9.9.9.9", ""}, // the list applies to addresses only
	}
	for _, tt := range tests {
		name, _ := set.Suppresses(tt.kind, tt.value)
		if name != tt.want {
			t.Errorf("Suppresses(%s, %s) = %q, want %q", tt.kind, tt.value, name, tt.want)
		}
	}
}

func TestWarninglistKinds(t *testing.T) {
	tests := []struct {
		doc   string
		value string
		hit   bool
		err   string
	}{
		{`{"name":"s","list":["Example.org"]}`, "example.org", true, ""},
		{`{"name":"s","list":["example.org"]}`, "www.example.org", false, ""},
		{`{"name":"sub","type":"substring","list":["sinkhole"]}`, "sinkhole.example.net", true, ""},
		{`{"name":"re","type":"regex","list":["/^10\\.[0-9.]+$/"]}`, "10.1.2.3", true, ""},
		{`{"name":"re","type":"regex","list":["(?<=x)"]}`, "", false, "regex"},
		{`{"name":"c","type":"cidr","list":["10.0.0.0/33"]}`, "", false, "cidr"},
		{`{"name":"k","type":"fuzzy","list":[]}`, "", false, "unknown warninglist type"},
		{`{"name":"m","list":["x"],"matching_attributes":["regkey"]}`, "x", false, ""},
		{`{"list":["x"]}`, "", false, "needs a name"},
		{`{"name":"x","list":"x"}`, "", false, "cannot unmarshal"},
	}
	for _, tt := range tests {
		in, err := LoadWarninglist("w.json", []byte(tt.doc))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.doc, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.doc, err)
			continue
		}
		set, err := warninglist.Compile(in.Warninglists)
		if err != nil {
			t.Fatal(err)
		}
		if _, hit := set.Suppresses(intel.Domain, tt.value); hit != tt.hit {
			t.Errorf("%s: %q suppressed %v, want %v", tt.doc, tt.value, hit, tt.hit)
		}
	}
}
