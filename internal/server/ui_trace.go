package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

// The drawing's geometry, in SVG user units.
const (
	svgLabel = 280 // the label column
	svgPlot  = 720 // the time axis
	svgRow   = 22
	svgTop   = 30 // room for the axis
)

// svgNode is one reached node: a row, placed at its earliest time.
type svgNode struct {
	ID, Kind, Href, Title string
	X, Y                  int
	Seed, Suspect         bool
}

// svgEdge is the hop that reached a node, from its predecessor.
type svgEdge struct {
	X1, Y1, X2, Y2 int
	Kind, Title    string
	Proposal       bool
}

// svgGroup labels a kind's first row.
type svgGroup struct {
	Y     int
	Label string
}

type svgTick struct {
	X     int
	Label string
}

// hopRow is one line of the evidence table.
type hopRow struct {
	Node, From, Kind, Valid, Source, Ref, Note string
	Time                                       time.Time
	Confidence                                 float64
}

// traceView is a forward trace laid out for the page.
type traceView struct {
	Width, Height int
	Nodes         []svgNode
	Edges         []svgEdge
	Ticks         []svgTick
	Groups        []svgGroup
	Hops          []hopRow
	Warnings      []string
}

// layoutTrace places every reached node on its own row, rows grouped by
// kind (hosts, releases, orgs, packages) and by time within a kind.
func layoutTrace(r *cascade.Result, hosts map[string]int64) *traceView {
	reached := r.ReachedLast() // by time, then depth, then id; paths cut to the last hop
	v := &traceView{Width: svgLabel + svgPlot + 20, Warnings: r.Warnings()}
	if len(reached) == 0 {
		return v
	}
	lo, hi := reached[0].Time.Unix(), reached[len(reached)-1].Time.Unix()
	x := func(t time.Time) int {
		if hi == lo {
			return svgLabel
		}
		return svgLabel + int(float64(t.Unix()-lo)/float64(hi-lo)*svgPlot)
	}
	pos := make(map[string][2]int, len(reached))
	row := 0
	for _, kind := range []string{"host", "release", "org", "package"} {
		first := true
		for _, re := range reached {
			if re.Kind != kind {
				continue
			}
			y := svgTop + row*svgRow + svgRow/2
			if first {
				v.Groups = append(v.Groups, svgGroup{Y: y, Label: kind + "s"})
				first = false
			}
			pos[re.Node.ID] = [2]int{x(re.Time), y}
			v.Nodes = append(v.Nodes, svgNode{ID: re.Node.ID, Kind: kind, Href: nodeHref(re, hosts, r.At), X: x(re.Time), Y: y,
				Seed: re.Seed, Suspect: re.Suspect, Title: fmt.Sprintf("%s, reached %s, confidence %g, %d hops", re.Node.ID, uiDate(re.Time), re.Confidence, re.Depth)})
			row++
		}
	}
	v.Height = svgTop + row*svgRow + 10
	for _, re := range reached {
		if len(re.Path) < 2 {
			continue
		}
		prev, last := re.Path[len(re.Path)-2], re.Path[len(re.Path)-1]
		a, b := pos[prev.Node], pos[re.Node.ID]
		h := hop(re, prev.Node, last.Via)
		v.Hops = append(v.Hops, h)
		v.Edges = append(v.Edges, svgEdge{X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], Kind: h.Kind, Proposal: h.Source == "build-agent-proposal",
			Title: fmt.Sprintf("%s %s → %s, valid %s, confidence %g; evidence %s %s %s", h.Kind, h.From, h.Node, h.Valid, h.Confidence, h.Source, h.Ref, h.Note)})
	}
	for i := 0; i <= 4; i++ {
		t := time.Unix(lo+(hi-lo)*int64(i)/4, 0).UTC()
		v.Ticks = append(v.Ticks, svgTick{X: x(t), Label: uiDay(t)})
	}
	return v
}

func hop(re cascade.Reach, from string, via *cascade.Arc) hopRow {
	h := hopRow{Node: re.Node.ID, From: from, Time: re.Time, Confidence: re.Confidence}
	if via == nil {
		return h
	}
	h.Kind, h.Valid = via.Kind.String(), via.Valid.String()
	if ev := via.Evidence; ev != nil {
		h.Source, h.Ref, h.Note = ev.Source, ev.Ref, ev.Note
	}
	return h
}

// nodeHref links a host to its page and anything else to a trace from it.
func nodeHref(re cascade.Reach, hosts map[string]int64, at time.Time) string {
	if id, ok := hosts[re.Node.ID]; ok {
		return "/hosts/" + strconv.FormatInt(id, 10)
	}
	q := url.Values{"from": {re.Node.ID + "@" + re.Time.UTC().Format(time.RFC3339)}, "at": {at.UTC().Format(time.RFC3339)}}
	return "/trace?" + q.Encode()
}

// tracePage is the form and, when it names seeds, a forward trace drawn
// on a time axis with its hops' evidence below.
func (s *Server) tracePage(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	back := q.Get("backwards") != ""
	data := map[string]any{"Title": "Trace", "From": strings.Join(q["from"], "\n"), "At": q.Get("at"), "Skew": q.Get("skew"), "Backwards": back}
	req := fleet.TraceRequest{At: q.Get("at"), Skew: q.Get("skew"), Backwards: back}
	for _, f := range q["from"] {
		for _, line := range strings.Fields(f) {
			req.Seeds = append(req.Seeds, tracegraph.ParseSeed(line))
		}
	}
	if len(req.Seeds) == 0 {
		return s.render(w, http.StatusOK, "trace", p, data)
	}
	res, err := s.traceOnce(r.Context(), req)
	var he *Error
	if errors.As(err, &he) && he.Status == http.StatusBadRequest {
		data["Error"] = he.Msg
		return s.render(w, http.StatusBadRequest, "trace", p, data)
	}
	if err != nil {
		return err
	}
	if back {
		data["Back"] = res.Backward
	} else {
		data["View"] = layoutTrace(res.Forward, res.Hosts)
	}
	return s.render(w, http.StatusOK, "trace", p, data)
}
