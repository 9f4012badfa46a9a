package server

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// threeCX is a per-user 3CX install at ver with the two files every
// install has.
func threeCX(uid, ver string, at time.Time) *snapshot.Snapshot {
	s := hostSnap(uid, at, []snapshot.Software{{Name: "3CX Desktop App", Version: ver, Platform: "windows", Ecosystem: "windows",
		User: "erin", Source: `registry:HKU\erin\Software\Microsoft\Windows\CurrentVersion\Uninstall\3CX`}}, nil)
	app := `C:\Users\erin\AppData\Local\Programs\3CXDesktopApp\app\`
	mtime := time.Date(2023, 3, 10, 14, 2, 0, 0, time.UTC)
	s.Files = append(s.Files,
		snapshot.File{Path: app + "ffmpeg.dll", Size: 10, Type: "pe", SHA256: "aa" + "00000000000000000000000000000000000000000000000000000000000000"[:62], ModTime: mtime},
		snapshot.File{Path: app + "d3dcompiler_47.dll", Size: 10, Type: "pe", SHA256: "bb" + "00000000000000000000000000000000000000000000000000000000000000"[:62], ModTime: mtime})
	return s
}

// TestServerPrecision: on the server as in a scan, the files every 3CX
// install has are context, not findings; exposure windows start at the
// evidence's own time while first seen stays the first upload; and the
// findings listing for "unattributed" is what the incident page lists.
func TestServerPrecision(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		st := open()
		s := newCore(t, st)
		if _, err := s.ImportIntel(bg, "precision.json", "upload", readTestdata(t, "precision.json"), "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		host := func(uid string) fleet.Host {
			h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "pc-" + uid}, []string{fleet.RoleWorkstation}, day(0))
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		fixed, affected, dl := host("fixed"), host("affected"), host("dl")
		upload(t, s, fixed, threeCX("fixed", "18.12.422", day(400)))
		upload(t, s, affected, threeCX("affected", "18.12.416", day(400)))
		started := time.Date(2022, 4, 12, 14, 3, 58, 0, time.UTC)
		d := download
		d.FirstSeen = &started
		snap := hostSnap("dl", day(400), nil, []snapshot.Artifact{d})
		snap.Files = append(snap.Files, snapshot.File{Path: `C:\Users\ann\Downloads\dropper.exe`, Size: 3, Type: "pe", SHA256: "cc" + "00000000000000000000000000000000000000000000000000000000000000"[:62]})
		upload(t, s, dl, snap)

		inc, err := s.IncidentDetail(bg, "3cx-2023")
		if err != nil {
			t.Fatal(err)
		}
		if len(inc.Hosts) != 1 || inc.Hosts[0].HostID != affected.ID {
			t.Fatalf("3CX incident hosts = %+v, want only the 18.12.416 host", inc.Hosts)
		}
		fs := inc.Hosts[0].Findings
		if len(fs) != 1 || fs[0].Evidence.Kind != "software" || len(fs[0].Context) != 2 {
			t.Fatalf("affected host findings = %+v, want the install with its two files as context", fs)
		}
		if want := time.Date(2023, 3, 10, 14, 2, 0, 0, time.UTC); !inc.Hosts[0].ExposedSince.Equal(want) || !inc.Incident.ExposedSince.Equal(want) {
			t.Errorf("3CX exposed since host %v incident %v, want %v (the files' mtime)", inc.Hosts[0].ExposedSince, inc.Incident.ExposedSince, want)
		}

		xt, err := s.IncidentDetail(bg, "xtrader-2022")
		if err != nil {
			t.Fatal(err)
		}
		if len(xt.Hosts) != 1 || !xt.Hosts[0].ExposedSince.Equal(started) || !xt.Hosts[0].FirstSeen.Equal(day(400)) ||
			!xt.Incident.ExposedSince.Equal(started) || !xt.Incident.FirstSeen.Equal(day(400)) {
			t.Errorf("X_TRADER download: %+v, want exposed since %v and first seen %v", xt, started, day(400))
		}

		// The listing of unattributed findings is the incident page's.
		page, err := s.IncidentDetail(bg, unattributed)
		if err != nil {
			t.Fatal(err)
		}
		var onPage []string
		for _, h := range page.Hosts {
			for _, f := range h.Findings {
				onPage = append(onPage, f.ID)
			}
		}
		q, err := findingQuery(httptest.NewRequest("GET", "/api/v1/findings?incident=unattributed", nil))
		if err != nil {
			t.Fatal(err)
		}
		listed, _, err := st.ListFindings(bg, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range listed {
			ids = append(ids, f.ID)
		}
		slices.Sort(onPage)
		slices.Sort(ids)
		if len(onPage) != 1 || !slices.Equal(onPage, ids) {
			t.Errorf("unattributed: page lists %v, findings?incident=unattributed lists %v", onPage, ids)
		}
	})
}
