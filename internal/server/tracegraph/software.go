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

// buildAgents are the product names (lower case, matched as substrings)
// that make a host a proposed builder.
var buildAgents = []string{"gitlab runner", "gitlab-runner", "jenkins agent", "jenkins-agent", "github actions runner",
	"actions-runner", "actions.runner", "teamcity build agent", "buildagent", "azure pipelines agent", "vsts-agent",
	"buildkite agent", "buildkite-agent"}

// agent is a host with build-agent software over an interval.
type agent struct {
	host, product string
	valid         cascade.Interval
	ref           string
}

// obsInterval is [first seen, or the install date when earlier; last
// seen), open while the item is present.
func obsInterval(o *store.Obs, installed *time.Time) cascade.Interval {
	from := o.FirstSeen
	if installed != nil && !installed.IsZero() && installed.Before(from) {
		from = *installed
	}
	iv := cascade.Interval{From: from.Unix(), Until: cascade.Never}
	if !o.Present {
		iv.Until = max(o.LastSeen.Unix(), iv.From+1)
	}
	return iv
}

func obsRef(o *store.Obs) string {
	return fmt.Sprintf("host %s %s observation %d", o.HostUID, o.Kind, o.ID)
}

func obsTimes(o *store.Obs) map[string]time.Time {
	t := map[string]time.Time{"first_seen": o.FirstSeen.UTC(), "last_seen": o.LastSeen.UTC()}
	if !o.GoneAt.IsZero() {
		t["gone_at"] = o.GoneAt.UTC()
	}
	return t
}

func (l *loader) loadSoftware(ctx context.Context) error {
	err := l.walk(ctx, fleet.ObsSoftware, func(o *store.Obs) error {
		sw, host := o.Software, l.hosts[o.HostID]
		if name, ok := l.sboms[o.HostID]; ok {
			if sw != nil && sw.Name != "" && sw.Version != "" {
				if l.sbomSW == nil {
					l.sbomSW = map[int64]*sbomObs{}
				}
				if l.sbomSW[o.HostID] == nil {
					l.sbomSW[o.HostID] = &sbomObs{name: name}
				}
				l.sbomSW[o.HostID].obs = append(l.sbomSW[o.HostID].obs, *o)
			}
			return nil
		}
		if sw == nil || host == "" || sw.Name == "" {
			return nil
		}
		iv := obsInterval(o, sw.InstallDate)
		if sw.User != "" {
			l.profile(o, sw.User, iv)
		}
		if isBuildAgent(sw.Name) {
			l.agents = append(l.agents, agent{host: host, product: sw.Name, valid: iv, ref: obsRef(o)})
		}
		if sw.Version == "" {
			return nil // no release to name
		}
		id := ReleaseID(sw.Name, sw.Version)
		if !l.releases[id] {
			l.releases[id] = true
			if err := l.b.AddNode(cascade.Node{ID: id, Kind: cascade.Release, Name: sw.Name, Vendor: sw.Vendor,
				Version: sw.Version, Origin: obsRef(o)}); err != nil {
				return err
			}
		}
		ev := &cascade.Evidence{Source: "observation", Ref: obsRef(o), Times: obsTimes(o)}
		if sw.InstallDate != nil && !sw.InstallDate.IsZero() {
			ev.Times["install_date"] = sw.InstallDate.UTC()
			ev.Note = "install date from " + sw.InstallDateFrom
		}
		return l.b.AddEdge(cascade.Edge{Kind: cascade.Ran, From: host, To: id, Valid: iv, Confidence: 1,
			Evidence: ev, Origin: obsRef(o)})
	})
	if err != nil {
		return err
	}
	return l.sbomEdges()
}

func isBuildAgent(name string) bool {
	n := strings.ToLower(name)
	for _, a := range buildAgents {
		if strings.Contains(n, a) {
			return true
		}
	}
	return false
}

// ProposalConfidence is the confidence of a proposed built-on edge.
const ProposalConfidence = 0.3

// propose adds a built-on edge, at low confidence, from every release the
// releases table has without a build host to every host that had
// build-agent software when it was released; and a warning naming each
// agent host, so a proposal is shown and never taken for the build role.
func (l *loader) propose(ctx context.Context) error {
	if len(l.agents) == 0 {
		return nil
	}
	rs, err := l.st.Releases(ctx, "")
	if err != nil {
		return fmt.Errorf("trace graph: releases: %w", err)
	}
	warned := map[string]bool{}
	for _, a := range l.agents {
		if !warned[a.host] {
			warned[a.host] = true
			l.b.Warn(fmt.Sprintf("%s has build-agent software (%s): proposed as a builder at confidence %g; give it the build role or name it as a release's build host to confirm",
				a.host, a.product, ProposalConfidence))
		}
		for _, r := range rs {
			at := r.ReleasedAt.Unix()
			if r.BuildHostID != 0 || r.ReleasedAt.IsZero() || at < a.valid.From || at >= a.valid.Until {
				continue
			}
			l.edgeInto(ReleaseID(r.Product, r.Version), a.host)
			err := l.b.AddEdge(cascade.Edge{Kind: cascade.BuiltOn, From: ReleaseID(r.Product, r.Version), To: a.host,
				Valid: cascade.Interval{From: at, Until: at + 1}, Confidence: ProposalConfidence, Origin: a.ref,
				Evidence: &cascade.Evidence{Source: "build-agent-proposal", Ref: a.ref,
					Note: "proposed: " + a.product + " was on the host when the release was made; not confirmed"}})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
