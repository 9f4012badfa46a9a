package fleet

import (
	"errors"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestValidateNamesField pins the fields the attack run filled with NUL
// bytes and 100 KB values: each is refused with its path in the document.
func TestValidateNamesField(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	tests := []struct {
		change func(*snapshot.Snapshot)
		field  string
	}{
		{func(s *snapshot.Snapshot) { s.Software[1].SourcePackage = "a\x00" }, "software[1].source_package"},
		{func(s *snapshot.Snapshot) { s.Software[0].SourcePackage = big }, "software[0].source_package"},
		{func(s *snapshot.Snapshot) { s.Files[1].Meta = map[string]string{"product": "a\x00b"} }, "files[1].meta.product"},
		{func(s *snapshot.Snapshot) { s.Files[0].Meta = map[string]string{"product": big} }, "files[0].meta.product"},
		{func(s *snapshot.Snapshot) { s.Files[0].Meta = map[string]string{"a\x00": "v"} }, `files[0].meta."a\x00"`},
		{func(s *snapshot.Snapshot) { s.Errors = []snapshot.PathError{{Path: "p", Err: "e\x00"}} }, "errors[0].error"},
		{func(s *snapshot.Snapshot) { s.Errors = []snapshot.PathError{{Path: big}} }, "errors[0].path"},
		{func(s *snapshot.Snapshot) { s.Host.OSVersion = "10\x00" }, "host.os_version"},
		{func(s *snapshot.Snapshot) { s.Host.OSVersion = strings.Repeat("1", 300) }, "host.os_version"},
		{func(s *snapshot.Snapshot) { s.Host.Arch = big }, "host.arch"},
		{func(s *snapshot.Snapshot) { s.Host.Name = "evil\r\nhost" }, "host.name"},
		{func(s *snapshot.Snapshot) { s.Roots = []string{"/", "a\x00"} }, "roots[1]"},
		{func(s *snapshot.Snapshot) { s.Skipped = map[string]int64{"x\x00": 1} }, `skipped."x\x00"`},
		{func(s *snapshot.Snapshot) {
			s.Files[0].Signatures = []snapshot.Signature{{Format: "authenticode", Signer: &snapshot.Certificate{Subject: "CN=\x00"}}}
		}, "files[0].signatures[0].signer.subject"},
		{func(s *snapshot.Snapshot) {
			s.Files[1].Signatures = []snapshot.Signature{{Timestamp: &snapshot.Timestamp{Authority: big}}}
		}, "files[1].signatures[0].timestamp.authority"},
		{func(s *snapshot.Snapshot) { s.Files[0].Anomalies = []snapshot.Anomaly{{Kind: "k", Detail: "\x00"}} }, "files[0].anomalies[0].detail"},
		{func(s *snapshot.Snapshot) { s.Artifacts[0].IP = "1.2.3.4\n" }, "artifacts[0].ip"},
	}
	for _, tc := range tests {
		s := sample()
		tc.change(s)
		err := ValidateSnapshot(s, DefaultLimits, at)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("want a refusal naming %s, got %v", tc.field, err)
		}
	}
}

// TestValidateKeepsEvidence: free text from the machine keeps odd
// characters other than NUL (a tab in a registry display name, a newline
// in a Linux file name).
func TestValidateKeepsEvidence(t *testing.T) {
	s := sample()
	s.Software[0].Name = "Tool\tX"
	s.Files[0].Path = "/tmp/a\nb"
	s.Files[0].Meta = map[string]string{"pe.product": "Ünïcode ✓"}
	s.Host.Name = "wörkstation-1"
	if err := ValidateSnapshot(s, DefaultLimits, at); err != nil {
		t.Fatal(err)
	}
}

func TestValidateHost(t *testing.T) {
	tests := []struct {
		h     snapshot.Host
		field string
	}{
		{snapshot.Host{ID: "m1", Name: "n", OS: "linux", OSVersion: "12", Arch: "amd64"}, ""},
		{snapshot.Host{}, "host.id"},
		{snapshot.Host{ID: strings.Repeat("a", 257)}, "host.id"},
		{snapshot.Host{ID: "m1", OS: strings.Repeat("l", 65)}, "host.os"},
		{snapshot.Host{ID: "m1", OSVersion: "\x00"}, "host.os_version"},
		{snapshot.Host{ID: "m1", Arch: "x\x1b[31m"}, "host.arch"},
	}
	for _, tc := range tests {
		err := ValidateHost(&tc.h)
		var fe *FieldError
		if tc.field == "" && err != nil || tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
			t.Errorf("%+v: %v, want %q", tc.h, err, tc.field)
		}
	}
}
