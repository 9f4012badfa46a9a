package tracegraph

import (
	"context"
	"net/url"
	"strings"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Artifact kinds naming a remote host the recording host connects to.
// They are being added to internal/snapshot in another branch; the
// strings are the contract, so they are defined here until that lands.
const (
	ArtifactSSHKnownHost  = "ssh-known-host"
	ArtifactSSHConfigHost = "ssh-config-host"
	ArtifactRDPServer     = "rdp-server"
	ArtifactPuTTYSession  = "putty-session"
)

// reachConfidence is how sure each kind makes a reaches edge: a saved
// RDP server or PuTTY session was connected to (or meant to be); a
// known_hosts line proves a connection; an ssh config entry only intends one.
var reachConfidence = map[string]float64{
	ArtifactRDPServer:     0.9,
	ArtifactSSHKnownHost:  0.9,
	ArtifactPuTTYSession:  0.8,
	ArtifactSSHConfigHost: 0.7,
}

func (l *loader) loadArtifacts(ctx context.Context) error {
	return l.walk(ctx, fleet.ObsArtifact, func(o *store.Obs) error {
		a, from := o.Artifact, l.hosts[o.HostID]
		if a == nil || from == "" {
			return nil
		}
		conf, ok := reachConfidence[a.Kind]
		if !ok {
			return nil
		}
		to, ok := l.remote(a.Domain, a.URL, a.IP)
		if !ok || to == from {
			return nil
		}
		at := o.FirstSeen // the artifact's own time when it has one
		if a.FirstSeen != nil && !a.FirstSeen.IsZero() {
			at = *a.FirstSeen
		}
		ev := &cascade.Evidence{Source: a.Kind, Ref: obsRef(o) + " (" + a.Source + ")", Times: obsTimes(o)}
		if a.FirstSeen != nil {
			ev.Times["artifact_first_seen"] = a.FirstSeen.UTC()
		}
		if a.User != "" {
			ev.Note = "user " + a.User
		}
		return l.b.AddEdge(cascade.Edge{Kind: cascade.Reaches, From: from, To: to,
			Valid: cascade.Interval{From: at.Unix(), Until: cascade.Never}, Confidence: conf, Evidence: ev, Origin: obsRef(o)})
	})
}

// remote finds the known host an artifact names, by name, URL host or IP.
func (l *loader) remote(domain, rawURL, ip string) (string, bool) {
	names := []string{domain, ip}
	if u, err := url.Parse(rawURL); err == nil && u.Hostname() != "" {
		names = append(names, u.Hostname())
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if id, ok := l.lookup(n); ok {
			return id, true
		}
	}
	return "", false
}
