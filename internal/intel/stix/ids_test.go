package stix

import "testing"

// The expected identifiers were computed independently (Python's uuid.uuid5
// over json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
func TestSCOIDs(t *testing.T) {
	tests := []struct {
		typ   string
		props map[string]string
		want  string
	}{
		{"domain-name", map[string]string{"value": "example.com"}, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		{"software", map[string]string{"name": "3CX Desktop App", "vendor": "3CX", "version": "18.12.407"},
			"software--a17715f5-f460-58fb-90d5-4a2e05c74993"},
		{"x", map[string]string{"name": "x\"\\\né€", "a": "\x01"}, "x--3b6da21c-7915-5141-849c-a80e2d418fcd"},
	}
	for _, tt := range tests {
		if got := scoID(tt.typ, tt.props); got != tt.want {
			t.Errorf("scoID(%v) = %s, want %s", tt.props, got, tt.want)
		}
	}
	if got := uuid5(mustUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "google.com"); got != "64ee70a4-8cc1-5d25-abf2-dea6c79a09c8" {
		t.Errorf("uuid5 DNS google.com = %s", got)
	}
}
