package misp

import (
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func loadFile(t *testing.T, name string) *intel.Intel {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Load(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestLoadEvent(t *testing.T) {
	in := loadFile(t, "testdata/3cx-event.json")
	got := map[string]string{}
	for _, ind := range in.Indicators {
		v := ind.Value
		if ind.Signer != nil {
			v = ind.Signer.Thumbprint
		}
		got[ind.ID] = string(ind.Type) + " " + v
	}
	const p = "misp:5f0c1a57-0000-4000-8000-000000000"
	want := map[string]string{
		p + "101": "sha256 aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868",
		p + "102": "sha256 59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983",
		p + "103": "domain akamaicontainer.com",
		p + "104": "ip 198.51.100.7",
		p + "10a": "signer abcdef0123456789abcdef0123456789abcdef01",
		p + "202": "sha1 bf939c9c261d27ee7bb92325cc588624fca75429",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %q, want %q", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("indicators %v, want %d (not to_ids, links, deleted, unsupported and invalid ones are not indicators)", got, len(want))
	}
	for _, ind := range in.Indicators {
		if ind.Score != 90 || ind.Incident != "misp:5f0c1a57-3c59-4cf5-9b1f-2a3c4d5e6f70" || ind.Tags[0] != "tlp:clear" {
			t.Errorf("%s: score %d incident %q tags %v", ind.ID, ind.Score, ind.Incident, ind.Tags)
		}
	}
	if d := in.Indicators[1].Description; !strings.Contains(d, "3cxdesktopapp-18.12.416.msi") {
		t.Errorf("composite file name lost: %q", d)
	}
	warn := strings.Join(in.Warnings, "\n")
	for _, w := range []string{`type "regkey" are not used`, "not-a-digest"} {
		if !strings.Contains(warn, w) {
			t.Errorf("warnings lack %q:\n%s", w, warn)
		}
	}
}

func TestEventContext(t *testing.T) {
	in := loadFile(t, "testdata/3cx-event.json")
	inc := in.Incidents[0]
	if len(inc.Actors) != 1 || inc.Malware[0] != "TAXHAUL" || inc.References[0] != "https://www.3cx.com/blog/news/desktopapp-security-alert-updates/" ||
		inc.Disclosed.Format("2006-01-02") != "2023-03-30" {
		t.Errorf("incident = %+v", inc)
	}
	a := in.Actor(inc.Actors[0])
	if a == nil || a.Name != "Lazarus Group" || len(a.Aliases) != 3 || a.Aliases[1] != (intel.Alias{Name: "Labyrinth Chollima", Source: "Example CERT"}) {
		t.Errorf("actor = %+v", a)
	}
	if in.Sources[0].Name != "Example CERT: 3CX DesktopApp supply-chain compromise (hand-written test event)" {
		t.Errorf("source = %+v", in.Sources[0])
	}
}

func TestEventShapes(t *testing.T) {
	one := `{"uuid":"e1","info":"x","Attribute":[{"uuid":"a1","type":"domain","to_ids":true,"value":"journalide.org"}]}`
	tests := []struct {
		name, doc string
		n         int
		err       string
	}{
		{"event", `{"Event":` + one + `}`, 1, ""},
		{"list", `[{"Event":` + one + `},{"Event":` + strings.ReplaceAll(one, "e1", "e2") + `}]`, 2, ""},
		{"response", `{"response":[{"Event":` + one + `}]}`, 1, ""},
		{"not misp", `{"foo":1}`, 0, "no MISP event"},
		{"malformed", "{\"Event\":\n{\"uuid\": }", 0, "x.json:2:"},
		{"bad type", `{"Event":{"Attribute":{}}}`, 0, "cannot unmarshal"},
		{"bad value", `{"Event":{"Attribute":[{"value":{}}]}}`, 0, "string or a number"},
	}
	for _, tt := range tests {
		in, err := Load("x.json", []byte(tt.doc))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(in.Incidents) != tt.n {
			t.Errorf("%s: %v, %d incidents, want %d", tt.name, err, len(in.Incidents), tt.n)
		}
	}
}

func TestFeed(t *testing.T) {
	if !IsFeed("testdata/feed") || IsFeed("testdata") {
		t.Fatal("IsFeed")
	}
	in, err := LoadFeed("testdata/feed")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Incidents) != 2 {
		t.Fatalf("incidents %d", len(in.Incidents))
	}
	// The same domain in two events stays one indicator per event.
	n := 0
	for _, ind := range in.Indicators {
		if ind.Value == "akamaicontainer.com" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("akamaicontainer.com %d times, want once per event", n)
	}
	dir := t.TempDir()
	os.WriteFile(dir+"/hashes.csv", []byte("0123456789abcdef0123456789abcdef,5f0c1a57-3c59-4cf5-9b1f-2a3c4d5e6f70\n"), 0o644)
	if _, err := LoadFeed(dir); err == nil || !strings.Contains(err.Error(), "hashes.csv") {
		t.Errorf("hashes.csv-only feed: %v", err)
	}
	os.WriteFile(dir+"/manifest.json", []byte(`{"../../etc/passwd":{}}`), 0o644)
	if _, err := LoadFeed(dir); err == nil || !strings.Contains(err.Error(), "not a UUID") {
		t.Errorf("path in manifest: %v", err)
	}
}

// TestEventForms: an event is read wrapped or bare, alone, in a list or in
// an events/restSearch response; an attributes/restSearch response is
// refused with what to do instead.
func TestEventForms(t *testing.T) {
	bare := `{"info":"bare","uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","date":"2016-06-09",` +
		`"Attribute":[{"type":"domain","value":"bad.example","to_ids":true,"uuid":"575c8598-f1f0-4c16-a94a-0612c0a83866"}]}`
	tests := []struct {
		name, data string
		events     int
		err        string
	}{
		{"wrapped", `{"Event":` + bare + `}`, 1, ""},
		{"bare", bare, 1, ""},
		{"bare in a list", `[` + bare + `,{"Event":{"info":"two","uuid":"u2"}}]`, 2, ""},
		{"restSearch", `{"response":[{"Event":` + bare + `}]}`, 1, ""},
		{"events/index", `[{"id":"3","org":"","orgc":"CIRCL","info":"Another","uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866"}]`, 1, ""},
		{"attribute search", `{"response":{"Attribute":[{"type":"domain","value":"x.example"}]}}`, 0, "attributes/restSearch"},
		{"empty object", `{}`, 0, "no MISP event"},
		{"cut short", "{\n\"info\": \"x\",", 0, "x.json:2:"},
	}
	for _, tt := range tests {
		in, err := Load("x.json", []byte(tt.data))
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case len(in.Incidents) != tt.events:
			t.Errorf("%s: %d incidents, want %d", tt.name, len(in.Incidents), tt.events)
		}
	}
}
