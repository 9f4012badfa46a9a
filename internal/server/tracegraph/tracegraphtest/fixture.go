// Package tracegraphtest fills a store with the 3CX case, for the
// trace graph's and the server's tests.
package tracegraphtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// T parses an RFC 3339 time or a date; it panics on a typo in a fixture.
func T(s string) time.Time {
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	panic("bad fixture time " + s)
}

// Digest is a fake artifact digest.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Host is one fixture host: its snapshots, each a time and its records.
type Host struct {
	Name  string
	Roles []string
	Snaps []Snap
}

// Snap is one snapshot's content.
type Snap struct {
	At        time.Time
	Software  []snapshot.Software
	Artifacts []snapshot.Artifact
}

// SW is a Windows software record, installed at installed (zero: unknown).
func SW(name, version string, installed time.Time) snapshot.Software {
	sw := snapshot.Software{Name: name, Version: version, Ecosystem: "windows", Platform: "windows",
		Source: `registry:HKLM\Uninstall\` + name}
	if !installed.IsZero() {
		sw.InstallDate, sw.InstallDateFrom = &installed, "registry InstallDate"
	}
	return sw
}

// Reach is a reach artifact of kind naming remote, as the reach collector
// writes it: the host as written, its only time in LastSeen (a file's mtime
// or a registry key's last write).
func Reach(kind, remote, user string, at time.Time) snapshot.Artifact {
	return snapshot.Artifact{Kind: kind, Host: remote, Domain: remote, User: user, Source: "fixture", LastSeen: &at, TimeFrom: "key last-write"}
}

// Load stores hosts (uid = name) and their snapshots; it returns the host
// ids by name.
func Load(ctx context.Context, st store.Store, hosts []Host) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, h := range hosts {
		sh := snapshot.Host{ID: h.Name, Name: h.Name, OS: "windows"}
		fh, err := st.EnsureHost(ctx, sh, h.Roles, h.Snaps[0].At)
		if err != nil {
			return nil, err
		}
		ids[h.Name] = fh.ID
		for i, s := range h.Snaps {
			sh.CollectedAt = s.At
			sn := &snapshot.Snapshot{Schema: snapshot.Schema, ID: fmt.Sprintf("%s-%d", h.Name, i), Host: sh,
				Software: s.Software, Artifacts: s.Artifacts}
			if _, err := st.Ingest(ctx, &store.Incoming{HostID: fh.ID, UploadID: sn.ID, Kind: store.KindFull,
				Snapshot: sn, Received: s.At}, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", sn.ID, err)
			}
		}
	}
	return ids, nil
}

// ThreeCX is the case: X_TRADER on dev-pc-07 from April 2022, an
// RDP connection from it to build-win-02 in December 2022, 3CXDesktopApp
// 18.12.402 built before and 18.12.407 and 18.12.416 after, and customers
// running each.
func ThreeCX(ctx context.Context, st store.Store) (map[string]int64, error) {
	tx := func(v string) snapshot.Software { return SW("3CXDesktopApp", v, time.Time{}) }
	hosts := []Host{
		{Name: "dev-pc-07", Roles: []string{fleet.RoleWorkstation}, Snaps: []Snap{
			{At: T("2022-04-05T10:00:00Z"), Software: []snapshot.Software{SW("X_TRADER", "7.17.90p608", T("2022-04-01"))}},
			{At: T("2023-04-01T10:00:00Z"), Software: []snapshot.Software{SW("X_TRADER", "7.17.90p608", T("2022-04-01"))},
				Artifacts: []snapshot.Artifact{Reach("rdp-server", "BUILD-WIN-02.3cx.internal", "dev", T("2022-12-08T09:14:00Z"))}},
		}},
		{Name: "build-win-02", Roles: []string{fleet.RoleBuild}, Snaps: []Snap{{At: T("2022-10-01")}}},
		{Name: "acme-ws-11", Snaps: []Snap{{At: T("2023-02-01T08:30:00Z"), Software: []snapshot.Software{tx("18.12.407")}}}},
		{Name: "globex-pbx-02", Snaps: []Snap{{At: T("2023-03-10T11:00:00Z"), Software: []snapshot.Software{tx("18.12.416")}}}},
		{Name: "initech-lt-04", Snaps: []Snap{{At: T("2023-03-12T07:00:00Z"), Software: []snapshot.Software{tx("18.12.416")}}}},
		{Name: "umbrella-ws-01", Snaps: []Snap{
			{At: T("2022-11-20"), Software: []snapshot.Software{tx("18.12.402")}},
			{At: T("2023-01-10")},
		}},
	}
	ids, err := Load(ctx, st, hosts)
	if err != nil {
		return nil, err
	}
	for _, r := range []struct{ v, at string }{
		{"18.12.402", "2022-11-18T02:47:00Z"}, {"18.12.407", "2023-01-24T02:51:00Z"}, {"18.12.416", "2023-03-07T02:00:00Z"},
	} {
		if _, err := st.AddRelease(ctx, fleet.Release{Product: "3CXDesktopApp", Version: r.v, SHA256: Digest("3cx-win-" + r.v),
			BuildHostID: ids["build-win-02"], ReleasedAt: T(r.at)}); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
