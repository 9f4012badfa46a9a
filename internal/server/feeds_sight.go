package server

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/mispclient"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// Sightings upstream (issue 19 item 4): when an indicator a feed brought
// matches in this fleet, and the feed's policy asks for it, the server
// tells the feed's owner: a STIX 2.1 sighting posted to a TAXII collection
// the vendor names, or a MISP sighting of the attribute. One sighting per
// indicator carries the count of findings and the first and last time the
// evidence was seen; host names only when the policy allows. A sighting
// is sent again only when those change, and what was sent is recorded
// only when the upstream accepted it, so a failure is retried at the next
// poll.

const (
	maxSightingFindings = 100_000
	sightingBatch       = 500
)

// sighted is what was last sent upstream for one indicator.
type sighted struct {
	Stamp   string `json:"s"`
	Created string `json:"c,omitempty"` // the STIX sighting's created
}

// sightAgg gathers the findings of one upstream indicator.
type sightAgg struct {
	ref         string // STIX indicator id, or MISP attribute uuid
	value       string
	count       int
	first, last time.Time
	hosts       []string
}

func (a *sightAgg) stamp(hosts bool) string {
	s := fmt.Sprintf("%d|%d|%d", a.count, a.first.UnixMilli(), a.last.UnixMilli())
	if hosts {
		s += "|" + strings.Join(a.hosts, ",")
	}
	return s
}

func (f *feeder) organization() string {
	if f.s.cfg.Organization != "" {
		return f.s.cfg.Organization
	}
	return "cascade"
}

// sightings sends the changed sightings of feed's indicators.
func (f *feeder) sightings(ctx context.Context, feed *fleet.Feed, res *store.FeedResult) error {
	pol := feed.Policy
	taxiiOn := feed.Kind == fleet.FeedTAXII && pol.SightingsCollection != ""
	mispOn := feed.Kind == fleet.FeedMISP && pol.MISPSightings
	if !taxiiOn && !mispOn {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, feedSightingBudget)
	defer cancel()
	aggs, err := f.sightingAggs(ctx, feed)
	if err != nil || len(aggs) == 0 {
		return err
	}
	prev := map[string]sighted{}
	if feed.Sighted != "" {
		json.Unmarshal([]byte(feed.Sighted), &prev)
	}
	var changed []*sightAgg
	for _, a := range aggs {
		if prev[a.ref].Stamp != a.stamp(pol.HostNames) {
			changed = append(changed, a)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	var sent []*sightAgg
	if taxiiOn {
		sent, err = f.sendTAXIISightings(ctx, feed, changed, prev)
	} else {
		sent, err = f.sendMISPSightings(ctx, feed, changed)
	}
	now := taxii.FormatTime(f.s.now())
	for _, a := range sent {
		p := prev[a.ref]
		if p.Created == "" {
			p.Created = now
		}
		p.Stamp = a.stamp(pol.HostNames)
		prev[a.ref] = p
	}
	if len(sent) > 0 {
		b, _ := json.Marshal(prev)
		res.Sighted = string(b)
		f.s.log.Info("sightings sent upstream", "feed", feed.ID, "count", len(sent))
	}
	return err
}

// sightingAggs groups this fleet's open findings by the upstream
// indicator of feed they matched.
func (f *feeder) sightingAggs(ctx context.Context, feed *fleet.Feed) ([]*sightAgg, error) {
	content, err := f.s.storedDoc(ctx, feedDocName(feed))
	if err != nil || content == nil {
		return nil, err
	}
	refs := upstreamRefs(feed.Kind, content)
	fs, _, err := f.s.st.ListFindings(ctx, store.FindingQuery{States: []string{fleet.StateNew, fleet.StateAcknowledged, fleet.StateResolved}, Limit: maxSightingFindings})
	if err != nil {
		return nil, err
	}
	byRef := map[string]*sightAgg{}
	for _, fd := range fs {
		for _, r := range fd.Reasons {
			ref, ok := refs.lookup(r.IndicatorID)
			if !ok {
				continue
			}
			a := byRef[ref]
			if a == nil {
				a = &sightAgg{ref: ref, value: r.Matched, first: fd.FirstSeen, last: fd.LastSeen}
				byRef[ref] = a
			}
			a.count++
			if !fd.FirstSeen.IsZero() && (a.first.IsZero() || fd.FirstSeen.Before(a.first)) {
				a.first = fd.FirstSeen
			}
			if fd.LastSeen.After(a.last) {
				a.last = fd.LastSeen
			}
			if !slices.Contains(a.hosts, fd.Host) && fd.Host != "" {
				a.hosts = append(a.hosts, fd.Host)
			}
		}
	}
	out := make([]*sightAgg, 0, len(byRef))
	for _, a := range byRef {
		sort.Strings(a.hosts)
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ref < out[j].ref })
	return out, nil
}

// sendTAXIISightings posts sightings in batches; it returns those the
// server accepted.
func (f *feeder) sendTAXIISightings(ctx context.Context, feed *fleet.Feed, aggs []*sightAgg, prev map[string]sighted) ([]*sightAgg, error) {
	c, err := f.taxiiClient(feed)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	org := f.organization()
	ident := "identity--" + uuid5(org)
	identity, _ := json.Marshal(map[string]any{"type": "identity", "spec_version": "2.1", "id": ident,
		"created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "name": org, "identity_class": "organization"})
	now := taxii.FormatTime(f.s.now())
	var sent []*sightAgg
	for batch := range slices.Chunk(aggs, sightingBatch) {
		objs := []json.RawMessage{identity}
		for _, a := range batch {
			objs = append(objs, stixSighting(a, ident, now, prev[a.ref].Created, feed.Policy.HostNames))
		}
		if _, err := c.AddAndWait(ctx, feed.URL, feed.Policy.SightingsCollection, objs, time.Second, 30); err != nil {
			return sent, err
		}
		sent = append(sent, batch...)
	}
	return sent, nil
}

// stixSighting is one STIX 2.1 sighting (§4.13 of STIX 2.1): a stable id
// per (our identity, indicator), a new version each time it changes.
func stixSighting(a *sightAgg, ident, now, created string, hosts bool) json.RawMessage {
	if created == "" {
		created = now
	}
	o := map[string]any{"type": "sighting", "spec_version": "2.1", "id": "sighting--" + uuid5(ident+"\x00"+a.ref),
		"created": created, "modified": now, "sighting_of_ref": a.ref, "count": a.count, "created_by_ref": ident}
	if !a.first.IsZero() {
		o["first_seen"] = taxii.FormatTime(a.first)
	}
	if !a.last.IsZero() && !a.last.Before(a.first) {
		o["last_seen"] = taxii.FormatTime(a.last)
	}
	if hosts {
		o["x_cascade_hosts"] = a.hosts
	}
	b, _ := json.Marshal(o)
	return b
}

// sendMISPSightings reports one sighting per changed attribute.
func (f *feeder) sendMISPSightings(ctx context.Context, feed *fleet.Feed, aggs []*sightAgg) ([]*sightAgg, error) {
	c, err := f.mispClient(feed)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var sent []*sightAgg
	for _, a := range aggs {
		at := a.last
		if at.IsZero() {
			at = f.s.now()
		}
		if err := c.AddSighting(ctx, mispclient.Sighting{UUID: a.ref, Source: f.organization(), At: at}); err != nil {
			return sent, err
		}
		sent = append(sent, a)
	}
	return sent, nil
}

// uuid5 is an RFC 9562 name-based UUID in cascade's namespace, so the
// same name always gives the same STIX id.
func uuid5(name string) string {
	ns := [16]byte{0x6f, 0x3c, 0x0d, 0x55, 0x8a, 0x1e, 0x4c, 0x1b, 0x9d, 0x6e, 0x2f, 0x7a, 0x4b, 0x3c, 0x9e, 0x10}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
