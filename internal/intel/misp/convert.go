package misp

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Scores by the event's threat level (1 high … 4 undefined); file names
// alone are weak evidence and capped.
var threatScore = map[string]int{"1": 90, "2": 80, "3": 60, "4": 70}

const (
	defaultScore  = 70
	filenameScore = 50
)

// converter turns one event into the model.
type converter struct {
	file     string
	ev       *event
	in       *intel.Intel
	src      string // source ID
	org      string // the organisation that made the event
	inc      *intel.Incident
	score    int
	tags     []string
	skipped  map[string]int
	invalids int
}

func convert(file string, ev *event) (*intel.Intel, error) {
	c := &converter{file: file, ev: ev, in: &intel.Intel{}, skipped: map[string]int{}}
	c.org = ev.Orgc.Name
	if c.org == "" {
		c.org = ev.Org.Name
	}
	if c.org == "" {
		c.org = base(file)
	}
	id := ev.UUID
	if id == "" {
		id = base(file)
	}
	c.src = "misp:" + id
	c.in.Sources = []intel.Source{{ID: c.src, Name: strings.TrimSpace(c.org + ": " + ev.Info), Kind: "misp", Location: file}}
	c.inc = &intel.Incident{ID: "misp:" + id, Name: ev.Info, Sources: []string{c.src}}
	if c.inc.Name == "" {
		c.inc.Name = c.inc.ID
	}
	if d, err := time.Parse("2006-01-02", ev.Date); err == nil {
		c.inc.Disclosed = d
	}
	c.score = defaultScore
	if s, ok := threatScore[string(ev.ThreatLevelID)]; ok {
		c.score = s
	}
	c.context(ev.Tags, ev.Galaxies)
	c.attributes("", ev.Attributes)
	for _, o := range ev.Objects {
		if !o.Deleted {
			c.attributes(objectContext(&o), o.Attributes)
		}
	}
	for i := range c.in.Indicators {
		c.in.Indicators[i].References = c.inc.References
	}
	c.in.Incidents = []intel.Incident{*c.inc}
	c.summarize()
	if err := c.in.Validate(); err != nil {
		return nil, &intel.LoadError{File: file, Err: fmt.Errorf("event %s: %w", id, err)}
	}
	return c.in, nil
}

// objectContext describes a MISP object for its attributes' descriptions:
// a file object by its file name.
func objectContext(o *object) string {
	for _, a := range o.Attributes {
		if a.Relation == "filename" && a.Value != "" {
			return o.Name + " " + string(a.Value)
		}
	}
	return o.Name
}

// attributes converts to_ids attributes into indicators and keeps the
// others as context.
func (c *converter) attributes(ctx string, attrs []attribute) {
	for i := range attrs {
		a := &attrs[i]
		if a.Deleted {
			continue
		}
		c.context(a.Tags, a.Galaxies)
		if a.Type == "link" {
			c.inc.References = appendNew(c.inc.References, string(a.Value))
			continue
		}
		if !a.ToIDs {
			continue
		}
		inds := c.indicators(a, ctx)
		if inds == nil {
			c.skipped[a.Type]++
		}
		c.in.Indicators = append(c.in.Indicators, inds...)
	}
}

// indicators maps one attribute to its indicators.
func (c *converter) indicators(a *attribute, ctx string) []intel.Indicator {
	values := typedValues(a.Type, strings.TrimSpace(string(a.Value)))
	if values == nil {
		return nil
	}
	var out []intel.Indicator
	for i, v := range values {
		ind := c.base(a, ctx, i, len(values))
		v.apply(&ind)
		if ind.Type == intel.Filename {
			ind.Score = min(ind.Score, filenameScore)
		}
		if err := ind.Validate(); err != nil {
			c.invalids++
			c.in.Warnings = append(c.in.Warnings, fmt.Sprintf("%s: event %s attribute %s (%s): %v; skipped",
				c.file, c.ev.UUID, a.UUID, a.Type, err))
			continue
		}
		out = append(out, ind)
	}
	if out == nil {
		return []intel.Indicator{} // invalid, already reported
	}
	return out
}

func (c *converter) base(a *attribute, ctx string, i, n int) intel.Indicator {
	id := "misp:" + a.UUID
	if a.UUID == "" {
		id = fmt.Sprintf("%s:%d", c.inc.ID, len(c.in.Indicators))
	}
	if n > 1 {
		id = fmt.Sprintf("%s#%d", id, i+1)
	}
	desc := strings.TrimSpace(strings.Join(nonEmpty(ctx, a.Comment), ": "))
	if desc == "" {
		desc = strings.TrimSpace(a.Category + " " + a.Type)
	}
	tags := slices.Clip(c.tags)
	for _, t := range a.Tags {
		if !isGalaxyTag(t.Name) {
			tags = appendNew(tags, t.Name)
		}
	}
	return intel.Indicator{ID: id, Score: c.score, Description: desc, Incident: c.inc.ID, Sources: []string{c.src}, Tags: tags}
}

// summarize reports the to_ids attributes no cascade type can hold.
func (c *converter) summarize() {
	types := make([]string, 0, len(c.skipped))
	for t := range c.skipped {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		c.in.Warnings = append(c.in.Warnings, fmt.Sprintf("%s: event %s: %d to_ids attributes of type %q are not used for detection",
			c.file, c.ev.UUID, c.skipped[t], t))
	}
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
