package windows

import (
	"reflect"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// fakeValues is a valueSource like a live registry key.
type fakeValues struct {
	str map[string]string
	num map[string]uint64
}

func (f fakeValues) stringValue(n string) (string, bool) { s, ok := f.str[n]; return s, ok }
func (f fakeValues) intValue(n string) (uint64, bool)    { v, ok := f.num[n]; return v, ok }

func TestSoftwareFrom(t *testing.T) {
	v := machineViews(true)[1]
	base := snapshot.Software{Name: "App", Identifier: "K", Arch: "x86", Platform: "windows", Ecosystem: "windows",
		Scope: snapshot.ScopeMachine, Source: `registry:HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\K`}
	with := func(f func(*snapshot.Software)) snapshot.Software { s := base; f(&s); return s }
	tests := []struct {
		name string
		vals fakeValues
		want snapshot.Software
		ok   bool
	}{
		{"no DisplayName", fakeValues{str: map[string]string{"DisplayVersion": "1.0"}}, snapshot.Software{}, false},
		{"blank DisplayName", fakeValues{str: map[string]string{"DisplayName": "  "}}, snapshot.Software{}, false},
		{"trimmed fields", fakeValues{str: map[string]string{"DisplayName": " App ", "DisplayVersion": " 2.0 ",
			"Publisher": " Corp ", "InstallLocation": ` "C:\App" `, "InstallDate": " 20230310 "}},
			with(func(s *snapshot.Software) {
				s.Version, s.Vendor, s.InstallPath = "2.0", "Corp", `C:\App`
				s.InstallDate, s.InstallDateFrom = day(2023, 3, 10), "registry InstallDate"
			}), true},
		{"Version DWORD", fakeValues{str: map[string]string{"DisplayName": "App"}, num: map[string]uint64{"Version": 0x0a0b0c0d}},
			with(func(s *snapshot.Software) { s.Version = "10.11.3085" }), true},
		{"VersionMajor/Minor", fakeValues{str: map[string]string{"DisplayName": "App"}, num: map[string]uint64{"VersionMajor": 5, "VersionMinor": 7}},
			with(func(s *snapshot.Software) { s.Version = "5.7" }), true},
		{"DisplayVersion wins", fakeValues{str: map[string]string{"DisplayName": "App", "DisplayVersion": "3"}, num: map[string]uint64{"Version": 0x01000000}},
			with(func(s *snapshot.Software) { s.Version = "3" }), true},
		{"ISO date", fakeValues{str: map[string]string{"DisplayName": "App", "InstallDate": "2021-06-30"}},
			with(func(s *snapshot.Software) {
				s.InstallDate, s.InstallDateFrom = day(2021, 6, 30), "registry InstallDate"
			}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := softwareFrom(tt.vals, v, "K")
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("softwareFrom = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseInstallDate(t *testing.T) {
	tests := []struct {
		in   string
		want *time.Time
	}{
		{"20230310", day(2023, 3, 10)},
		{"2023-03-10", day(2023, 3, 10)},
		{"20230230", nil},
		{"2023031", nil},
		{"3/10/2023", nil},
		{"19000101", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := parseInstallDate(tt.in)
		if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) {
			t.Errorf("parseInstallDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestViews(t *testing.T) {
	if v := machineViews(false); len(v) != 1 || v[0].arch != "x86" {
		t.Errorf("32-bit system views = %+v, want one x86 view", v)
	}
	u := userViews("bob")
	if len(u) != 2 || u[0].source != `HKU\bob\Software\Microsoft\Windows\CurrentVersion\Uninstall` ||
		u[1].source != `HKU\bob\Software\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall` {
		t.Errorf("user views = %+v", u)
	}
}
