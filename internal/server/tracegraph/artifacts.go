package tracegraph

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/collect/reach"
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
		if a.User != "" {
			l.profile(o, a.User, obsInterval(o, a.FirstSeen))
		}
		conf, ok := reachConfidence[a.Kind]
		if !ok || a.Marker != "" {
			// A @cert-authority or @revoked line names a pattern of hosts
			// trusted or refused, not a contact.
			return nil
		}
		var to string
		if a.Hashed {
			// A hashed entry names no host until a candidate name is
			// tested against it: the fleet's names are the candidates.
			to, ok = l.hashed(a.Host)
		} else {
			to, ok = l.remote(a.Domain, a.URL, a.IP)
		}
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
		if a.Hashed {
			ev.Note = strings.TrimPrefix(ev.Note+"; hashed entry matching "+to, "; ")
		}
		l.edgeInto(to, from)
		return l.b.AddEdge(cascade.Edge{Kind: cascade.Reaches, From: from, To: to,
			Valid: cascade.Interval{From: at.Unix(), Until: cascade.Never}, Confidence: conf, Evidence: ev, Origin: obsRef(o)})
	})
}

// maxHashTests bounds the HMACs one graph load spends on hashed
// known_hosts entries (each entry is tested against every fleet name).
const maxHashTests = 2_000_000

// hashed finds the one fleet host whose uid, name or short name a hashed
// known_hosts entry (|1|salt|hash) names, as ssh looks it up on port 22.
// A name two hosts answer to is no candidate; an entry matching two hosts
// names neither.
func (l *loader) hashed(entry string) (string, bool) {
	if id, seen := l.hashedSeen[entry]; seen {
		return id, id != ""
	}
	if l.hashedSeen == nil {
		l.hashedSeen = map[string]string{}
	}
	if l.hashTests+len(l.names) > maxHashTests {
		if !l.hashWarned {
			l.hashWarned = true
			l.b.Warn(fmt.Sprintf("hashed known_hosts entries: more than %d name tests; the rest are not resolved", maxHashTests))
		}
		return "", false
	}
	l.hashTests += len(l.names)
	found := ""
	for name, id := range l.names {
		if id == "" || id == found || !reach.MatchesHashed(entry, name) {
			continue
		}
		if found != "" {
			found = "" // two hosts: no guessing
			break
		}
		found = id
	}
	l.hashedSeen[entry] = found
	return found, found != ""
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
