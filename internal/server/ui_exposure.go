package server

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// exposureSVG draws an incident's exposure: a row per affected host, a
// pale bar from the time its evidence proves (exposed since) to when
// cascade first saw it, then a solid bar to when it was last seen (to now
// while it is there). Written by hand like the trace drawing, every
// string through esc.
func exposureSVG(d *fleet.IncidentDetail, now time.Time) template.HTML {
	if len(d.Hosts) == 0 {
		return ""
	}
	start := func(h *fleet.AffectedHost) time.Time {
		if !h.ExposedSince.IsZero() && h.ExposedSince.Before(h.FirstSeen) {
			return h.ExposedSince
		}
		return h.FirstSeen
	}
	end := func(h *fleet.AffectedHost) time.Time {
		if h.Present {
			return now
		}
		return h.LastSeen
	}
	lo, hi := start(&d.Hosts[0]), end(&d.Hosts[0])
	for i := range d.Hosts {
		lo, hi = minTime(lo, start(&d.Hosts[i])), maxTime(hi, end(&d.Hosts[i]))
	}
	x := func(t time.Time) string {
		if !hi.After(lo) {
			return strconv.Itoa(svgLabel)
		}
		return strconv.Itoa(svgLabel + int(float64(t.Sub(lo))/float64(hi.Sub(lo))*svgPlot))
	}
	w, h := strconv.Itoa(svgLabel+svgPlot+20), strconv.Itoa(svgTop+len(d.Hosts)*svgRow+10)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + w + `" height="` + h + `" viewBox="0 0 ` + w + " " + h +
		`" role="img" aria-label="exposure over time" id="exposure-svg">` + "\n")
	b.WriteString(`<text class="tick" x="` + x(lo) + `" y="12">` + esc(uiDay(lo)) + `</text><text class="tick end" x="` + x(hi) + `" y="12">` + esc(uiDay(hi)) + "</text>\n")
	for i := range d.Hosts {
		a := &d.Hosts[i]
		y := svgTop + i*svgRow
		ys, yt := strconv.Itoa(y+4), strconv.Itoa(y+svgRow/2+4)
		b.WriteString(`<a href="/hosts/` + strconv.FormatInt(a.HostID, 10) + `"><text class="label" x="2" y="` + yt + `">` + esc(a.Name) + "</text></a>")
		if s := start(a); s.Before(a.FirstSeen) {
			b.WriteString(`<rect class="proved" x="` + x(s) + `" y="` + ys + `" width="` + width(x(s), x(a.FirstSeen)) + `" height="12"><title>` +
				esc("exposed since "+uiDate(s)+" ("+a.ExposedBy+")") + "</title></rect>")
		}
		class := "seen"
		if a.Present {
			class += " present"
		}
		b.WriteString(`<rect class="` + class + `" x="` + x(a.FirstSeen) + `" y="` + ys + `" width="` + width(x(a.FirstSeen), x(end(a))) +
			`" height="12"><title>` + esc("seen by cascade "+uiDate(a.FirstSeen)+" – "+seenUntil(a)) + "</title></rect>\n")
	}
	b.WriteString("</svg>")
	return template.HTML(b.String()) // #nosec: every value above is escaped
}

func width(a, b string) string {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return strconv.Itoa(max(y-x, 2))
}

func seenUntil(a *fleet.AffectedHost) string {
	if a.Present {
		return "now"
	}
	return uiDate(a.LastSeen)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
