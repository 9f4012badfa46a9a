package server

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// TestHostPagesShowRefusedEnrollments: analysts see on the host list and
// the host page that someone tried to enroll as this host.
func TestHostPagesShowRefusedEnrollments(t *testing.T) {
	h := fleet.Host{ID: 3, UID: "ws-trader", Name: "ws-trader", OS: "windows", Roles: []string{}, EnrollRefused: 2,
		EnrollRefusedAt: time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		page string
		data map[string]any
		want string
	}{
		{"host", map[string]any{"Title": "host", "Host": h}, `id="enroll-refused"`},
		{"hosts", map[string]any{"Title": "hosts", "Hosts": []fleet.Host{h}, "Total": 1}, "enrollment refused"},
	} {
		var buf bytes.Buffer
		if err := pages()[tc.page].Execute(&buf, tc.data); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%s page lacks %q", tc.page, tc.want)
		}
		h2 := h
		h2.EnrollRefused = 0
		buf.Reset()
		tc.data["Host"], tc.data["Hosts"] = h2, []fleet.Host{h2}
		pages()[tc.page].Execute(&buf, tc.data)
		if strings.Contains(buf.String(), tc.want) {
			t.Errorf("%s page shows the marker for a host without refusals", tc.page)
		}
	}
}
