package storetest

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// testFileBirthTime: a file's birth time survives the store, so a hunt
// over stored files dates exposure as the upload's own match did.
func testFileBirthTime(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "h1")
	sn := snap("h1", day(2), nil, map[string]string{`C:\born.exe`: "born", `C:\plain.exe`: "plain"})
	for i := range sn.Files {
		if sn.Files[i].Path == `C:\born.exe` {
			sn.Files[i].BirthTime = day(1)
		}
	}
	ingest(t, s, host.ID, sn, nil)
	for _, o := range obsList(t, s, host.ID, fleet.ObsFile, false) {
		switch o.File.Path {
		case `C:\born.exe`:
			sameTime(t, "stored birth time", o.File.BirthTime, day(1))
		case `C:\plain.exe`:
			if !o.File.BirthTime.IsZero() {
				t.Errorf("file without a birth time came back with %v", o.File.BirthTime)
			}
		}
	}
}
