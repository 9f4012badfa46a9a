package taxii

import (
	"strings"
	"testing"
	"time"
)

func TestParseObject(t *testing.T) {
	const u = "6b2f1c0e-8a4d-4f31-9e07-3c52d19a4418"
	for _, tc := range []struct {
		name, obj, err, version string
	}{
		{"indicator", `{"type":"indicator","spec_version":"2.1","id":"indicator--` + u + `","created":"2023-01-01T00:00:00.000Z","modified":"2023-02-01T00:00:00.123456Z"}`, "", "2023-02-01T00:00:00.123456Z"},
		{"marking without modified", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--` + u + `","created":"2017-01-20T00:00:00.000Z"}`, "", "2017-01-20T00:00:00.000Z"},
		{"sco without spec_version", `{"type":"file","id":"file--` + u + `","name":"x.exe"}`, "", ""},
		{"custom type", `{"type":"x-acme-thing","spec_version":"2.1","id":"x-acme-thing--` + u + `","created":"2023-01-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}`, "", "2023-01-01T00:00:00Z"},
		{"not an object", `[1]`, "not a JSON object", ""},
		{"no type", `{"id":"indicator--` + u + `"}`, "type missing", ""},
		{"bad type", `{"type":"Indicator","id":"Indicator--` + u + `"}`, "type missing", ""},
		{"double hyphen type", `{"type":"a--b","id":"a--b--` + u + `"}`, "type missing", ""},
		{"no id", `{"type":"indicator"}`, "id missing", ""},
		{"id of another type", `{"type":"indicator","spec_version":"2.1","id":"malware--` + u + `"}`, "is not indicator--UUID", ""},
		{"id not a uuid", `{"type":"indicator","spec_version":"2.1","id":"indicator--1234"}`, "is not indicator--UUID", ""},
		{"stix 2.0", `{"type":"indicator","id":"indicator--` + u + `","created":"2023-01-01T00:00:00Z","modified":"2023-01-01T00:00:00Z"}`, "spec_version", ""},
		{"spec_version 2.0", `{"type":"indicator","spec_version":"2.0","id":"indicator--` + u + `"}`, "spec_version", ""},
		{"no created", `{"type":"indicator","spec_version":"2.1","id":"indicator--` + u + `","modified":"2023-01-01T00:00:00Z"}`, "created missing", ""},
		{"no modified", `{"type":"indicator","spec_version":"2.1","id":"indicator--` + u + `","created":"2023-01-01T00:00:00Z"}`, "modified missing", ""},
		{"bad modified", `{"type":"indicator","spec_version":"2.1","id":"indicator--` + u + `","created":"2023-01-01T00:00:00Z","modified":"yesterday"}`, "modified:", ""},
		{"modified before created", `{"type":"indicator","spec_version":"2.1","id":"indicator--` + u + `","created":"2023-01-02T00:00:00Z","modified":"2023-01-01T00:00:00Z"}`, "before created", ""},
		{"too large", `{"type":"indicator","x":"` + strings.Repeat("a", MaxObject) + `"}`, "more than", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseObject([]byte(tc.obj))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || o.Version != tc.version || o.SpecVersion != "2.1" {
				t.Fatalf("%+v %v", o, err)
			}
			if tc.version != "" {
				if want, _ := time.Parse(time.RFC3339Nano, tc.version); !o.VersionAt.Equal(want) {
					t.Fatalf("VersionAt %v", o.VersionAt)
				}
			}
		})
	}
}

// FuzzParseObject: any input is refused with an error or yields an
// object whose id is its type's, and never panics.
func FuzzParseObject(f *testing.F) {
	f.Add([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--6b2f1c0e-8a4d-4f31-9e07-3c52d19a4418","created":"2023-01-01T00:00:00.000Z","modified":"2023-02-01T00:00:00Z"}`))
	f.Add([]byte(`{"type":"file","id":"file--6b2f1c0e-8a4d-4f31-9e07-3c52d19a4418"}`))
	f.Add([]byte(`{"type":"a","id":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObject(b)
		if err != nil {
			return
		}
		if !strings.HasPrefix(o.ID, o.Type+"--") || o.SpecVersion != "2.1" {
			t.Fatalf("accepted %+v", o)
		}
		if o.Version != "" && o.VersionAt.IsZero() {
			t.Fatalf("version %q without a time", o.Version)
		}
	})
}
