//go:build linux || windows

package live

import "github.com/cascade-ir/cascade/internal/snapshot"

// connArtifact makes the record of one socket. The remote address goes in
// the Artifact's IP and Port, where address indicators are matched; an
// unspecified one (a listener) is left out.
func connArtifact(so socket, source string, pid int, images map[int]string) snapshot.Artifact {
	a := snapshot.Artifact{Kind: snapshot.ArtifactConnection, Source: source,
		Conn: &snapshot.Connection{Protocol: so.Proto, LocalIP: so.Local.Addr().String(),
			LocalPort: int(so.Local.Port()), State: so.State, PID: pid, Image: images[pid]}}
	if r := so.Remote.Addr(); r.IsValid() && !r.IsUnspecified() {
		a.IP, a.Port = r.String(), int(so.Remote.Port())
	}
	return a
}
