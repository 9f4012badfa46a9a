package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestRetroHuntAmcacheSHA1: X_TRADER ran on a host and was deleted; only
// Amcache remembers its SHA-1. Intel naming that SHA-1 arrives a year
// later, and the retro-hunt finds the host through the execution
// evidence (an artifact, not a file), on both engines.
func TestRetroHuntAmcacheSHA1(t *testing.T) {
	const sha1 = "9f6e2eb95e943dd16bac495548e9ff248a9d81a3"
	engines(t, func(t *testing.T, open func() store.Store) {
		st := open()
		s := newCore(t, st)
		amcache := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\users\ann\downloads\x_trader.exe`,
			SHA1: sha1, Source: `C:\Windows\AppCompat\Programs\Amcache.hve`}
		other := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\windows\notepad.exe`,
			SHA1: strings.Repeat("1", 40), Source: `C:\Windows\AppCompat\Programs\Amcache.hve`}
		hosts := map[string]fleet.Host{}
		for _, uid := range []string{"a", "b"} {
			h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "pc-" + uid}, []string{fleet.RoleWorkstation}, day(0))
			if err != nil {
				t.Fatal(err)
			}
			hosts[uid] = h
		}
		upload(t, s, hosts["a"], hostSnap("a", day(0), []snapshot.Software{office}, []snapshot.Artifact{amcache, other}))
		upload(t, s, hosts["b"], hostSnap("b", day(0), []snapshot.Software{office}, []snapshot.Artifact{other}))
		doc := fmt.Sprintf(`{"schema":"cascade.intel/v1","source":{"id":"tt","name":"test","kind":"cascade"},
"incidents":[{"id":"xt","name":"X_TRADER"}],
"indicators":[{"id":"s1","type":"sha1","value":%q,"score":100,"incident":"xt","description":"trojanized X_TRADER installer"}]}`, strings.ToUpper(sha1))
		res, err := s.ImportIntel(bg, "xt.json", "upload", []byte(doc), "admin")
		if err != nil || !res.Changed || res.HuntID == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		runHunts(t, s)
		fs, _, err := st.ListFindings(bg, store.FindingQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].HostUID != "a" {
			t.Fatalf("findings %+v, want one on pc-a", fs)
		}
		if ev := fs[0].Finding.Evidence; ev.ArtifactKind != snapshot.ArtifactAmcacheFile || !strings.Contains(ev.Path, "x_trader") {
			t.Errorf("evidence %+v, want the Amcache entry", ev)
		}
	})
}
