// Package cascade is the temporal cascade graph and its tracing: hosts,
// releases, customers and packages joined by edges that hold over a time
// interval, a forward trace that only moves forward in time, and a
// backwards trace that looks for patient zero. Inputs and outputs live in
// the subpackages input and output; the graph comes from a Source.
package cascade

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// NodeKind is what a node stands for. A builder is a host (a role, not a kind).
type NodeKind uint8

// Node kinds.
const (
	Host NodeKind = iota + 1
	Release
	Org // a customer or any other organization
	Package
)

var nodeKindNames = [...]string{Host: "host", Release: "release", Org: "org", Package: "package"}

func (k NodeKind) String() string {
	if int(k) < len(nodeKindNames) && nodeKindNames[k] != "" {
		return nodeKindNames[k]
	}
	return fmt.Sprintf("nodekind(%d)", uint8(k))
}

// ParseNodeKind reads a node kind by name ("customer" is an org).
func ParseNodeKind(s string) (NodeKind, error) {
	if s == "customer" {
		return Org, nil
	}
	for i, n := range nodeKindNames {
		if n != "" && n == s {
			return NodeKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown node kind %q (want host, release, org, customer or package)", s)
}

// EdgeKind is the relation an edge states, in the direction it is written.
type EdgeKind uint8

// Edge kinds. Each names its direction as written (From → To) and how a
// compromise moves along it (see Propagates).
const (
	Ran       EdgeKind = iota + 1 // host ran release
	BuiltOn                       // release built on host
	Reaches                       // host reaches host
	ShippedTo                     // release shipped to org (or host)
	DependsOn                     // release depends on release/package
	numEdgeKinds
)

var edgeKindNames = [...]string{Ran: "ran", BuiltOn: "built-on", Reaches: "reaches", ShippedTo: "shipped-to", DependsOn: "depends-on"}

func (k EdgeKind) String() string {
	if k > 0 && k < numEdgeKinds {
		return edgeKindNames[k]
	}
	return fmt.Sprintf("edgekind(%d)", uint8(k))
}

// ParseEdgeKind reads an edge kind by name.
func ParseEdgeKind(s string) (EdgeKind, error) {
	for i, n := range edgeKindNames {
		if n != "" && n == s {
			return EdgeKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown edge kind %q (want ran, built-on, reaches, shipped-to or depends-on)", s)
}

// EdgeKinds lists every edge kind in order.
func EdgeKinds() []EdgeKind { return []EdgeKind{Ran, BuiltOn, Reaches, ShippedTo, DependsOn} }

// Reversed reports whether a compromise moves against the written
// direction: a release compromises the hosts that ran it, a host the
// releases built on it, a dependency its dependents. Reaches and
// shipped-to carry it as written.
func (k EdgeKind) Reversed() bool { return k == Ran || k == BuiltOn || k == DependsOn }

// Times are Unix seconds. Always is an open start, Never an open end.
const (
	Always int64 = math.MinInt64
	Never  int64 = math.MaxInt64
)

// Unix converts t to seconds; the zero time is Always.
func Unix(t time.Time) int64 {
	if t.IsZero() {
		return Always
	}
	return t.Unix()
}

// TimeOf converts seconds back; Always and Never give the zero time.
func TimeOf(s int64) time.Time {
	if s == Always || s == Never {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// Interval is [From, Until): Until == Never is open, From == Always unknown.
type Interval struct {
	From, Until int64
}

// Valid reports whether the interval is non-empty.
func (iv Interval) Valid() bool { return iv.From < iv.Until }

// Evidence says where an edge comes from.
type Evidence struct {
	// Source is the kind of evidence: observation, releases-table,
	// slsa-provenance, declared, rdp-history, known_hosts, delivery-list…
	Source string `json:"source"`
	// Ref points at the evidence: a file and line, a snapshot id, a URL.
	Ref string `json:"ref,omitempty"`
	// Times are the evidence's own times (install date, build start…).
	Times map[string]time.Time `json:"times,omitempty"`
	// Unverified is set when the evidence carried a signature that was not
	// verified (no key given, or verification failed: see Note).
	Unverified bool   `json:"unverified,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Node is one host, release, organization or package.
type Node struct {
	ID      string   `json:"id"`
	Kind    NodeKind `json:"-"`
	Name    string   `json:"name,omitempty"`
	Vendor  string   `json:"vendor,omitempty"`
	Version string   `json:"version,omitempty"`
	Org     string   `json:"org,omitempty"`
	Roles   []string `json:"roles,omitempty"`
	// Digests of a release's artifact, by algorithm (sha256, sha1, md5).
	Digests map[string]string `json:"digests,omitempty"`
	// BuilderIDs are the SLSA builder ids that name this host.
	BuilderIDs []string `json:"builder_ids,omitempty"`
	// Compromised is when intel says the node was compromised (zero: not known).
	Compromised time.Time `json:"compromised,omitzero"`
	// Origin says where the node was declared (file:line), for errors.
	Origin string `json:"-"`
}

// Edge is one relation, holding over Valid, with a confidence in (0, 1].
type Edge struct {
	Kind       EdgeKind
	From, To   string
	Valid      Interval
	Confidence float64
	Evidence   *Evidence
	Origin     string
}

// MarshalText writes the kind's name.
func (k NodeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// MarshalText writes the kind's name.
func (k EdgeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// MarshalJSON writes {"from": TIME, "until": TIME}, leaving out open ends.
func (iv Interval) MarshalJSON() ([]byte, error) {
	var v struct {
		From  *time.Time `json:"from,omitempty"`
		Until *time.Time `json:"until,omitempty"`
	}
	if t := TimeOf(iv.From); !t.IsZero() {
		v.From = &t
	}
	if t := TimeOf(iv.Until); !t.IsZero() {
		v.Until = &t
	}
	return json.Marshal(v)
}
