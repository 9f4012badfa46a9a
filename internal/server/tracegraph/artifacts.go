package tracegraph

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// Artifact kinds naming a remote host the recording host connects to.
const (
	ArtifactSSHKnownHost  = snapshot.ArtifactSSHKnownHost
	ArtifactSSHConfigHost = snapshot.ArtifactSSHConfigHost
	ArtifactRDPServer     = snapshot.ArtifactRDPServer
	ArtifactPuTTYSession  = snapshot.ArtifactPuTTYSession
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
		if !ok || a.Marker != "" || a.Hashed {
			// A @cert-authority or @revoked line names a pattern of hosts
			// trusted or refused, not a contact; a hashed entry names no
			// host until a candidate name is tested against it.
			return nil
		}
		to, ok := l.remote(a.Domain, a.URL, a.IP)
		if !ok || to == from {
			return nil
		}
		at := artifactTime(o)
		ev := &cascade.Evidence{Source: a.Kind, Ref: obsRef(o) + " (" + a.Source + ")", Times: obsTimes(o)}
		if a.FirstSeen != nil {
			ev.Times["artifact_first_seen"] = a.FirstSeen.UTC()
		}
		if a.User != "" {
			ev.Note = "user " + a.User
		}
		l.edgeInto(to, from)
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

// artifactTime is when a reach artifact proves the contact: its own first
// time, else its only time (a known_hosts or ssh config file's mtime, a
// registry key's last write: the entry existed by then), else the upload
// that first held it.
func artifactTime(o *store.Obs) time.Time {
	a := o.Artifact
	for _, t := range []*time.Time{a.FirstSeen, a.LastSeen} {
		if t != nil && !t.IsZero() {
			return *t
		}
	}
	return o.FirstSeen
}
