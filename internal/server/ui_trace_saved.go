package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

// savedTracesPage lists the saved traces.
func (s *Server) savedTracesPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	ts, err := s.st.SavedTraces(r.Context())
	if err != nil {
		return err
	}
	rows := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, map[string]any{"T": t, "Seeds": describeSeeds(t.Request)})
	}
	return s.render(w, http.StatusOK, "traces", p, map[string]any{"Title": "Saved traces", "Traces": rows})
}

// savedTracePage shows a saved trace: what changed in each version, newest
// first, and what its latest version reached.
func (s *Server) savedTracePage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	d, err := s.savedTrace(r.Context(), id, 20)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Trace " + d.Name, "T": d.SavedTrace, "Seeds": describeSeeds(d.Request),
		"Versions": d.Versions, "Draw": drawHref(d.Request)}
	if len(d.Versions) > 0 {
		data["Latest"] = d.Versions[0]
	}
	return s.render(w, http.StatusOK, "savedtrace", p, data)
}

// drawHref is the trace page drawing a saved trace's request live.
func drawHref(req fleet.TraceRequest) string {
	q := url.Values{}
	var seeds []string
	for _, sd := range req.Seeds {
		if sd.Time != "" {
			seeds = append(seeds, sd.Node+"@"+sd.Time)
		} else {
			seeds = append(seeds, sd.Node)
		}
	}
	q.Set("from", strings.Join(seeds, "\n"))
	if req.At != "" {
		q.Set("at", req.At)
	}
	if req.Skew != "" {
		q.Set("skew", req.Skew)
	}
	if req.Backwards {
		q.Set("backwards", "1")
	}
	return "/trace?" + q.Encode()
}

// saveTraceForm saves the trace the trace page's form describes.
func (s *Server) saveTraceForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	req := fleet.SaveTraceRequest{Name: r.PostFormValue("name"), TraceRequest: fleet.TraceRequest{
		At: r.PostFormValue("at"), Skew: r.PostFormValue("skew"), Backwards: r.PostFormValue("backwards") != ""}}
	for _, line := range strings.Fields(r.PostFormValue("from")) {
		req.Seeds = append(req.Seeds, tracegraph.ParseSeed(line))
	}
	d, err := s.SaveTrace(r.Context(), req, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "trace.save", fmt.Sprintf("trace %d (%s)", d.ID, d.Name), describeSeeds(d.Request))
	http.Redirect(w, r, fmt.Sprintf("/traces/%d", d.ID), http.StatusSeeOther)
	return nil
}

// recomputeForm recomputes a saved trace now.
func (s *Server) recomputeForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	t, err := s.st.SavedTrace(r.Context(), id)
	if err != nil {
		return err
	}
	var last *fleet.TraceVersion
	if vs, err := s.st.TraceVersions(r.Context(), id, 1); err != nil {
		return err
	} else if len(vs) > 0 {
		last = &vs[0]
	}
	_, _, err = s.retro.recompute(r.Context(), t, last, "recompute asked by "+p.actor(), p.actor())
	if errors.Is(err, errTraceBusy) {
		return errorf(http.StatusConflict, "busy", "trace %d is being recomputed; retry shortly", id)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/traces/%d", id), http.StatusSeeOther)
	return nil
}

// shiftDays is how much earlier or later a node is reached, for the page.
func shiftDays(sh fleet.TraceShift) string {
	d := sh.Now.Sub(sh.Was)
	if d < 0 {
		d = -d
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}
