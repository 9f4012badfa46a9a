package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestDetect(t *testing.T) {
	longList := `["` + strings.Repeat(`a.example", "`, 20000) + `b.example"]`
	tests := []struct{ name, file, data, want string }{
		{"bundle named c2", "indicator-for-c2-ip-address.json", `{"type":"bundle","id":"bundle--1","objects":[]}`, FormatSTIX},
		{"bundle, sorted keys", "x.json", `{"id":"bundle--1","objects":[{"type":"indicator"}],"spec_version":"2.1","type":"bundle"}`, FormatSTIX},
		{"bundle, objects first", "x.json", `{"objects":[{"type":"indicator","id":"indicator--1"}],"type":"bundle"}`, FormatSTIX},
		{"bundle with BOM", "x", "\xef\xbb\xbf\n {\"type\":\"bundle\"}", FormatSTIX},
		{"STIX object", "x.json", `{"type":"indicator","id":"indicator--1","spec_version":"2.1","pattern":"[x:y = 'z']"}`, FormatSTIX},
		{"STIX object list", "x.json", `[{"type":"indicator","id":"indicator--1","created":"2020-01-01T00:00:00Z"}]`, FormatSTIX},
		{"warninglist, name after a long list", "list.json", `{"description":"d","list":` + longList + `,"matching_attributes":["domain"],"name":"n","type":"hostname","version":1}`, FormatWarninglist},
		{"warninglist, name first", "list.json", `{"name":"n","type":"string","list":["a"]}`, FormatWarninglist},
		{"warninglist without name", "list.json", `{"list":["a"],"matching_attributes":["domain"]}`, FormatWarninglist},
		{"MISP event", "e.json", `{"Event":{"info":"x"}}`, FormatMISP},
		{"MISP restSearch", "e.json", `{"response":[{"Event":{"info":"x"}}]}`, FormatMISP},
		{"MISP bare event", "e.json", `{"Attribute":[],"info":"x","uuid":"u"}`, FormatMISP},
		{"MISP bare event, no attributes", "e.json", `{"analysis":"0","date":"2016-06-09","info":"x","uuid":"u"}`, FormatMISP},
		{"MISP bare event after a long field", "e.json", `{"comment":` + longList + `,"threat_level_id":"1"}`, FormatMISP},
		{"MISP event list", "e.json", `[{"Event":{"info":"x"}}]`, FormatMISP},
		{"cascade document", "x.json", `{"schema":"cascade.intel/v1","source":{"id":"s"}}`, FormatNative},
		{"cascade document, schema last", "x.json", `{"indicators":[{"type":"bundle"}],"schema":"cascade.intel/v1"}`, FormatNative},
		{"other JSON", "x.json", `{"hello":1}`, FormatUnknown},
		{"other JSON named like a C2 list", "c2-iocs.txt", `{"hello":1}`, FormatUnknown},
		{"empty list", "x.json", `[]`, FormatUnknown},
		{"JSON scalar", "x.json", `"bundle"`, FormatUnknown},
		{"signature-base C2 list", "c2-iocs.txt", "# APT\n1.2.3.4;bad\n", FormatSigbase},
		{"signature-base hash list", "hash-iocs.txt", "d41d8cd98f00b204e9800998ecf8427e;x\n", FormatSigbase},
		{"signature-base regex starting with a bracket", "filename-iocs.txt", "[a-z]{8}\\.exe;80\n", FormatSigbase},
		{"text with a name that says nothing", "notes.txt", "1.2.3.4\n", FormatUnknown},
	}
	for _, tt := range tests {
		if got := Detect(tt.file, []byte(tt.data)); got != tt.want {
			t.Errorf("%s: Detect = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestDetectKeyOrder reorders the keys of real documents: the format must
// not depend on it.
func TestDetectKeyOrder(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/realworld/warninglist-akamai.json":          FormatWarninglist,
		"testdata/realworld/pymisp-bare-event.json":           FormatMISP,
		"testdata/realworld/indicator-for-c2-ip-address.json": FormatSTIX,
		"../misp/testdata/vendor-domains-warninglist.json":    FormatWarninglist,
		"../misp/testdata/3cx-event.json":                     FormatMISP,
		"../stix/testdata/3cx-bundle.json":                    FormatSTIX,
		"../packs/data/3cx-2023.json":                         FormatNative,
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(doc))
		for k := range doc {
			keys = append(keys, k)
		}
		for _, order := range [][]string{sorted(keys, false), sorted(keys, true)} {
			var b bytes.Buffer
			b.WriteString("{")
			for i, k := range order {
				if i > 0 {
					b.WriteString(",")
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteString(":")
				b.Write(doc[k])
			}
			b.WriteString("}")
			if got := Detect(file, b.Bytes()); got != want {
				t.Errorf("%s with keys %v: %s, want %s", file, order, got, want)
			}
		}
	}
}

func sorted(keys []string, reverse bool) []string {
	out := append([]string(nil), keys...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if (out[j] < out[i]) != reverse {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestRealWorld loads the public samples (see testdata/realworld/README.md)
// by file and by bytes.
func TestRealWorld(t *testing.T) {
	tests := []struct {
		file, format                       string
		indicators, incidents, warninglist int
	}{
		{"indicator-for-c2-ip-address.json", FormatSTIX, 1, 0, 0},
		{"pymisp-bare-event.json", FormatMISP, 0, 1, 0},
		{"warninglist-akamai.json", FormatWarninglist, 0, 0, 1},
	}
	for _, tt := range tests {
		name := filepath.Join("testdata/realworld", tt.file)
		if got := DetectFile(name); got != tt.format {
			t.Errorf("DetectFile %s: %s, want %s", tt.file, got, tt.format)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for how, load := range map[string]func() (*intel.Intel, error){
			"File":  func() (*intel.Intel, error) { return File(name) },
			"Bytes": func() (*intel.Intel, error) { return Bytes(name, data) },
		} {
			in, err := load()
			if err != nil {
				t.Errorf("%s %s: %v", how, tt.file, err)
				continue
			}
			if len(in.Indicators) != tt.indicators || len(in.Incidents) != tt.incidents || len(in.Warninglists) != tt.warninglist {
				t.Errorf("%s %s: %d indicators, %d incidents, %d warninglists", how, tt.file, len(in.Indicators), len(in.Incidents), len(in.Warninglists))
			}
		}
	}
	in, _ := File("testdata/realworld/indicator-for-c2-ip-address.json")
	if in != nil && len(in.Indicators) == 1 && in.Indicators[0].Value != "10.0.0.0" {
		t.Errorf("C2 bundle indicator %+v", in.Indicators[0])
	}
}

// TestTruncated: a document cut short is a syntax error with its place,
// never "unknown intel format", whichever loader meets it.
func TestTruncated(t *testing.T) {
	tests := []struct{ name, data, where string }{
		{"warninglist", "{\n\"description\": \"x\",\n\"list\": [\"a\",", ":3:"},
		{"warninglist cut in a key", "{\"list\": [\"a\"], \"na", ":1:"},
		{"MISP event", "{\"Event\": {\n\"info\": \"x\"", ":2:"},
		{"STIX bundle", "{\"type\": \"bundle\", \"objects\": [\n{\"type\": \"indicator\",", ":2:"},
		{"bare event", "{\"info\": \"x\",\n\"uuid\": \"u\"", ":2:"},
		{"list", "[\n", ":2:"},
		{"after blank lines and a BOM", "\xef\xbb\xbf\n\n{\"list\": [\"a\" \"b\"]}", ":3:15"},
		{"bad token", "{\"list\": [\"a\" \"b\"]}", ":1:"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		name := filepath.Join(dir, "cut.json")
		if err := os.WriteFile(name, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		for how, err := range map[string]error{"File": second(File(name)), "Bytes": second(Bytes(name, []byte(tt.data)))} {
			if err == nil {
				t.Errorf("%s %s: no error", how, tt.name)
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, "unknown intel format") || !strings.HasPrefix(msg, name+tt.where) {
				t.Errorf("%s %s: %q, want %s%s… with a syntax error", how, tt.name, msg, name, tt.where)
			}
			var le *intel.LoadError
			if !errors.As(err, &le) {
				t.Errorf("%s %s: %T is not a LoadError", how, tt.name, err)
			}
		}
	}
}

func second[T any](_ T, err error) error { return err }
