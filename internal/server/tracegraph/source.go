// Package tracegraph derives the cascade graph from the fleet store: hosts,
// the software they ran, the releases they built, and the hosts they reach.
// It is the server's cascade.Source; the tracer itself never sees the store.
package tracegraph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// pageSize is how many observations one store query reads.
const pageSize = 5000

// Source reads the whole fleet from a store. Every query is bounded:
// hosts and observations are read page by page.
type Source struct {
	Store store.Store
	// Hosts, when not nil, receives each host node's store id (for links).
	Hosts map[string]int64
	// Into, when not nil, receives for each node the hosts with an edge
	// that carries a compromise from the host into it (a host reaches a
	// host, a release was built on a host): the hosts whose new findings
	// can change a trace that reached the node.
	Into map[string][]string
	// Incidents, when not nil, receives for each incident (by lower-case
	// id and by lower-case name) the hosts its alert-level findings put
	// on, with their compromise times.
	Incidents map[string][]Compromise
}

// loader holds what one Load has seen so far.
type loader struct {
	st    store.Store
	b     *cascade.Builder
	hosts map[int64]string  // host id → node id
	out   map[string]int64  // node id → host id, when asked for
	names map[string]string // lower-case name, short name or uid → node id ("" when ambiguous)
	// releases maps a release node id to whether it was declared.
	releases map[string]bool
	// agents are hosts with build-agent software, for proposals.
	agents []agent
	// into and incidents are Source.Into and Source.Incidents.
	into      map[string][]string
	incidents map[string][]Compromise
	// hashedSeen caches hashed known_hosts entries' hosts ("": none);
	// hashTests counts the HMACs spent on them.
	// sboms maps the store ids of imported SBOMs (not machines) to their
	// subjects (sbom.go).
	sboms  map[int64]string
	sbomSW map[int64]*sbomObs
	// accounts are the hosts each account has a profile on (accounts.go).
	accounts   map[string]map[string]*profileSpan
	hashedSeen map[string]string
	hashTests  int
	hashWarned bool
}

// edgeInto records that host has an edge carrying a compromise into node.
func (l *loader) edgeInto(node, host string) {
	if l.into != nil {
		l.into[node] = append(l.into[node], host)
	}
}

// Load declares hosts, releases and the edges between them.
func (s Source) Load(ctx context.Context, b *cascade.Builder) error {
	l := &loader{st: s.Store, b: b, hosts: map[int64]string{}, out: s.Hosts, names: map[string]string{}, releases: map[string]bool{},
		into: s.Into, incidents: s.Incidents}
	steps := []func(context.Context) error{l.loadHosts, l.loadCompromise, l.loadReleases, l.loadSoftware, l.loadArtifacts, l.sharedAccounts, l.propose}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// HostID is the node id of a host: host:NAME when the name is unique and
// not empty, else host:UID.
func HostID(h fleet.Host, dup bool) string {
	if h.Name == "" || dup {
		return "host:" + h.UID
	}
	return "host:" + h.Name
}

// ReleaseID is the node id of a product's version: release:PRODUCT@VERSION,
// the product lower case with runs of spaces as '-'.
func ReleaseID(product, version string) string {
	return "release:" + strings.ToLower(strings.Join(strings.Fields(product), "-")) + "@" + version
}

func (l *loader) loadHosts(ctx context.Context) error {
	var all []fleet.Host
	for off := 0; ; {
		page, total, err := l.st.ListHosts(ctx, store.HostQuery{Limit: 10000, Offset: off})
		if err != nil {
			return fmt.Errorf("trace graph: hosts: %w", err)
		}
		all = append(all, page...)
		off += len(page)
		if len(page) == 0 || off >= total {
			break
		}
	}
	count := map[string]int{}
	for _, h := range all {
		count[strings.ToLower(h.Name)]++
	}
	for _, h := range all {
		if isSBOMHost(h) {
			if l.sboms == nil {
				l.sboms = map[int64]string{}
			}
			l.sboms[h.ID] = h.Name
			continue
		}
		id := HostID(h, count[strings.ToLower(h.Name)] > 1)
		l.hosts[h.ID] = id
		if l.out != nil {
			l.out[id] = h.ID
		}
		if err := l.b.AddNode(cascade.Node{ID: id, Kind: cascade.Host, Name: h.Name, Roles: h.Roles,
			Origin: fmt.Sprintf("host %d (%s)", h.ID, h.UID)}); err != nil {
			return err
		}
		for _, k := range []string{strings.ToLower(h.UID), strings.ToLower(h.Name), shortName(h.Name)} {
			if other, taken := l.names[k]; taken && other != id {
				l.names[k] = "" // two hosts answer to it: no guessing
			} else if k != "" {
				l.names[k] = id
			}
		}
	}
	return nil
}

// shortName is a host name's first DNS label, lower case.
func shortName(name string) string {
	s, _, _ := strings.Cut(strings.ToLower(name), ".")
	return s
}

// lookup finds the host a remote name means: its uid, its name, or the
// short name of either side.
func (l *loader) lookup(name string) (string, bool) {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	for _, k := range []string{name, shortName(name)} {
		if id := l.names[k]; id != "" {
			return id, true
		}
	}
	return "", false
}

func (l *loader) loadReleases(ctx context.Context) error {
	rs, err := l.st.Releases(ctx, "")
	if err != nil {
		return fmt.Errorf("trace graph: releases: %w", err)
	}
	for _, r := range rs {
		id := ReleaseID(r.Product, r.Version)
		if l.releases[id] {
			// Two artifacts of one version (a Windows and a macOS build):
			// the later ones get their digest in the id.
			id += "~" + r.SHA256[:min(12, len(r.SHA256))]
		}
		l.releases[id] = true
		err := l.b.AddNode(cascade.Node{ID: id, Kind: cascade.Release, Name: r.Product, Version: r.Version,
			Digests: map[string]string{"sha256": r.SHA256}, Origin: fmt.Sprintf("release %d", r.ID)})
		if err != nil {
			return err
		}
		host, ok := l.hosts[r.BuildHostID]
		if r.BuildHostID == 0 || r.ReleasedAt.IsZero() || !ok {
			continue
		}
		at := r.ReleasedAt.Unix()
		l.edgeInto(id, host)
		err = l.b.AddEdge(cascade.Edge{Kind: cascade.BuiltOn, From: id, To: host, Valid: cascade.Interval{From: at, Until: at + 1},
			Confidence: 1, Origin: fmt.Sprintf("release %d", r.ID),
			Evidence: &cascade.Evidence{Source: "releases-table", Ref: fmt.Sprintf("release %d", r.ID),
				Times: map[string]time.Time{"released_at": r.ReleasedAt.UTC()}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// walk reads every observation of a kind, page by page.
func (l *loader) walk(ctx context.Context, kind string, f func(o *store.Obs) error) error {
	for after := int64(0); ; {
		page, err := l.st.ObservationsAfter(ctx, kind, after, pageSize)
		if err != nil {
			return fmt.Errorf("trace graph: %s observations: %w", kind, err)
		}
		if len(page) == 0 {
			return nil
		}
		for i := range page {
			if err := f(&page[i]); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}
