package tracegraph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// IncidentPrefix starts a seed that stands for every host an incident's
// alert-level findings put on (incident:ID or incident:NAME).
const IncidentPrefix = "incident:"

// Compromise is a host an alert-level finding puts on, and since when.
type Compromise struct {
	Node string
	// Time is the earliest of its findings' exposed_since (first_seen
	// when the evidence carries no time).
	Time time.Time
	// Findings are the ids of the findings behind it.
	Findings []string
}

// alertScore is the lowest score of an alert (finding.LevelOf).
const alertScore = 80

// compromiseStates are the finding states that count as a compromise: a
// resolved finding was real, a false positive never was.
var compromiseStates = []string{fleet.StateNew, fleet.StateAcknowledged, fleet.StateResolved}

// loadCompromise marks every host with an alert-level finding compromised
// at the finding's exposure time, and groups those hosts by incident.
func (l *loader) loadCompromise(ctx context.Context) error {
	at := map[string]*Compromise{}
	byIncident := map[string]map[string]*Compromise{}
	for off := 0; ; {
		page, total, err := l.st.ListFindings(ctx, store.FindingQuery{States: compromiseStates,
			MinScore: alertScore, Limit: 1000, Offset: off})
		if err != nil {
			return fmt.Errorf("trace graph: findings: %w", err)
		}
		for _, f := range page {
			host := l.hosts[f.HostID]
			t := FindingTime(f)
			if host == "" || f.Level != finding.Alert || t.IsZero() {
				continue
			}
			keep(at, host, t, f.ID)
			if f.Incident != nil {
				for _, k := range []string{strings.ToLower(f.Incident.ID), strings.ToLower(f.Incident.Name)} {
					if k == "" {
						continue
					}
					if byIncident[k] == nil {
						byIncident[k] = map[string]*Compromise{}
					}
					keep(byIncident[k], host, t, f.ID)
				}
			}
		}
		off += len(page)
		if len(page) == 0 || off >= total {
			break
		}
	}
	for host, c := range at {
		n, _ := l.b.Lookup(host)
		n.Compromised = c.Time
		n.Origin = "findings " + strings.Join(c.Findings, ", ")
		if err := l.b.AddNode(n); err != nil {
			return err
		}
	}
	if l.incidents != nil {
		for k, hosts := range byIncident {
			for _, c := range hosts {
				l.incidents[k] = append(l.incidents[k], *c)
			}
		}
	}
	return nil
}

func keep(m map[string]*Compromise, host string, t time.Time, id string) {
	c := m[host]
	if c == nil {
		c = &Compromise{Node: host, Time: t}
		m[host] = c
	}
	if t.Before(c.Time) {
		c.Time = t
	}
	c.Findings = append(c.Findings, id)
}

// FindingTime is when a finding says its host was compromised: the
// evidence's own earliest time, else when cascade first saw it.
func FindingTime(f fleet.Finding) time.Time {
	if !f.ExposedSince.IsZero() {
		return f.ExposedSince.UTC()
	}
	return f.FirstSeen.UTC()
}
