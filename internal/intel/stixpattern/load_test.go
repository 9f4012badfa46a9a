package stixpattern

import (
	"strings"
	"testing"
	"time"
)

const od1 = `{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
 "created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z",
 "first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":50,
 "object_refs":["ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8"]}`

const sco1 = `{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8","value":"198.51.100.3"}`

func TestLoadFormats(t *testing.T) {
	for name, doc := range map[string]string{
		"bundle":           `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + od1 + `,` + sco1 + `]}`,
		"array":            `[` + sco1 + `,` + od1 + `]`,
		"array of bundles": `[{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + od1 + `,` + sco1 + `]}]`,
	} {
		obs, warns, err := LoadObservations([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(warns) != 0 {
			t.Errorf("%s: warnings %v", name, warns)
		}
		if len(obs) != 1 || obs[0].NumberObserved != 50 || obs[0].Objects() != 1 ||
			!obs[0].FirstObserved.Equal(time.Date(2015, 12, 21, 19, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: %+v", name, obs)
		}
		if _, ok := mustParse(t, "[ipv4-addr:value = '198.51.100.3']").Match(obs); !ok {
			t.Errorf("%s: no match", name)
		}
	}
	obs, _, err := LoadObservations([]byte(`{"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
	 "first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,
	 "objects":{"0":{"type":"domain-name","value":"example.com"}}}`))
	if err != nil || len(obs) != 1 || obs[0].Objects() != 1 {
		t.Errorf("single observed-data: %v %+v", err, obs)
	}
}

func mustParse(t testing.TB, s string) *Pattern {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Leniency: what does not affect matching is a warning.
func TestLoadWarnings(t *testing.T) {
	doc := `[
	 {"type":"observed-data","id":"odd-id","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z",
	  "number_observed":1,"object_refs":["x-thing--efcd5e80-570d-4131-b213-62cb18eaa6a8","ipv4-addr--00000000-0000-4000-8000-000000000000", 5],
	  "objects":{"0":{"value":"no type"},"1":"not an object"}},
	 {"type":"x-thing","id":"x-thing--efcd5e80-570d-4131-b213-62cb18eaa6a8","name":"n"},
	 {"type":"x-thing","id":"x-thing--efcd5e80-570d-4131-b213-62cb18eaa6a8","name":"dup"},
	 {"type":"software","name":"no id"},
	 {"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","first_observed":"2015-12-21T19:00:00Z",
	  "last_observed":"2015-12-21T19:00:00Z","number_observed":1000000000},
	 42
	]`
	obs, warns, err := LoadObservations([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].Objects() != 1 {
		t.Fatalf("observations: %+v", obs)
	}
	var all []string
	for _, w := range warns {
		all = append(all, w.String())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		"[5]: not a JSON object",
		`id "odd-id" is not of the form`,
		"no created timestamp", "no modified timestamp",
		`custom object type "x-thing"`,
		"ipv4-addr--00000000-0000-4000-8000-000000000000 is not in the input",
		"object_refs has a non-string entry",
		`objects["0"] is not an object with a type`,
		"duplicate id x-thing--efcd5e80-570d-4131-b213-62cb18eaa6a8",
		"software object has no id",
		"number_observed 1000000000 is more than STIX allows",
		"neither object_refs nor objects",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing warning %q in\n%s", want, text)
		}
	}
	if _, ok := mustParse(t, "[x-thing:name = 'n']").Match(obs); !ok {
		t.Error("the first of duplicate ids should be used")
	}
}

// Strictness: what matching depends on is an error.
// Invalid UTF-8 in JSON strings becomes U+FFFD (encoding/json), never a
// failure.
func TestLoadInvalidUTF8(t *testing.T) {
	obs := loadString(t, `{"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
	 "first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,
	 "objects":{"0":{"type":"file","name":"a`+"\xff"+`b"}}}`)
	if _, ok := mustParse(t, "[file:name = 'a\ufffdb']").Match(obs); !ok {
		t.Error("no match on U+FFFD")
	}
}

func TestLoadNoObservedData(t *testing.T) {
	obs, warns, err := LoadObservations([]byte(`[` + sco1 + `]`))
	if err != nil || len(obs) != 0 || len(warns) != 1 || !strings.Contains(warns[0].String(), "no observed-data objects") {
		t.Errorf("%v %v %v", obs, warns, err)
	}
}

func TestLoadErrors(t *testing.T) {
	base := `"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"`
	for doc, want := range map[string]string{
		`not json`:                       "invalid JSON",
		`{"type":"bundle"} {}`:           "unexpected data after",
		`"a string"`:                     "not a STIX bundle",
		`{"type":"indicator"}`:           `top-level object is a "indicator"`,
		`{"type":"bundle","objects":{}}`: "bundle objects is not a list",
		`{` + base + `,"last_observed":"2015-12-21T19:00:00Z","number_observed":1}`:                                           "no first_observed",
		`{` + base + `,"first_observed":"2015-12-21T19:00:00Z","number_observed":1}`:                                          "no last_observed",
		`{` + base + `,"first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z"}`:                       "no number_observed",
		`{` + base + `,"first_observed":"2015-12-21","last_observed":"2015-12-21T19:00:00Z","number_observed":1}`:             "first_observed: invalid timestamp",
		`{` + base + `,"first_observed":5,"last_observed":"2015-12-21T19:00:00Z","number_observed":1}`:                        "first_observed is not a string",
		`{` + base + `,"first_observed":"2015-12-21T19:00:01Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1}`:   "last_observed is before first_observed",
		`{` + base + `,"first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":0}`:   "number_observed 0 must be at least 1",
		`{` + base + `,"first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1.5}`: "number_observed is not an integer",
		strings.Repeat("[", 300) + strings.Repeat("]", 300):                                                                   "nested deeper",
	} {
		_, _, err := LoadObservations([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: err = %v, want %q", doc, err, want)
		}
	}
}

func TestNewObservation(t *testing.T) {
	first := time.Date(2023, 3, 29, 0, 0, 0, 0, time.UTC)
	o, err := NewObservation("observed-data--1", first, first.Add(time.Hour), 2, map[string]map[string]any{
		"f": {"type": "file", "name": "ffmpeg.dll", "size": int64(2800000), "hashes": map[string]any{"SHA-256": "abc"}, "parent_directory_ref": "d"},
		"d": {"type": "directory", "path": `C:\Program Files\3CXDesktopApp`},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, `[file:name = 'ffmpeg.dll' AND file:parent_directory_ref.path LIKE '%3CX%' AND file:size > 1000000] REPEATS 2 TIMES`)
	if _, ok := p.Match([]Observation{o}); !ok {
		t.Error("no match")
	}
	if _, err := NewObservation("x", first, first, 0, nil); err == nil {
		t.Error("number 0 accepted")
	}
	if _, err := NewObservation("x", first, first.Add(-time.Second), 1, nil); err == nil {
		t.Error("last before first accepted")
	}
	if _, err := NewObservation("x", first, first, 1, map[string]map[string]any{"a": {"type": "x", "bad": struct{}{}}}); err == nil {
		t.Error("unsupported value accepted")
	}
}
