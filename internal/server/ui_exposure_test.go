package server

import (
	"encoding/xml"
	"io"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// svgRects checks the page's first SVG is well-formed and returns its
// rects' classes, x and width, and titles.
func svgRects(t *testing.T, page string) [][4]string {
	t.Helper()
	i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if i < 0 || j < i {
		t.Fatal("no svg in the page")
	}
	dec := xml.NewDecoder(strings.NewReader(page[i : j+len("</svg>")]))
	var out [][4]string
	inRect := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "rect" {
				var r [4]string
				for _, a := range x.Attr {
					switch a.Name.Local {
					case "class":
						r[0] = a.Value
					case "x":
						r[1] = a.Value
					case "width":
						r[2] = a.Value
					}
				}
				out, inRect = append(out, r), true
			}
		case xml.CharData:
			if inRect {
				out[len(out)-1][3] += string(x)
			}
		case xml.EndElement:
			if x.Name.Local == "rect" {
				inRect = false
			}
		}
	}
}

func TestExposureTimeline(t *testing.T) {
	_, ts, token := uiFixture(t)
	jar, _ := cookiejar.New(nil)
	c := ts.Client()
	c.Jar = jar
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := get(t, c, ts.URL+"/incidents/xtrader-2022")
	rects := svgRects(t, page)
	if len(rects) == 0 || !strings.Contains(rects[len(rects)-1][3], "seen by cascade 2022-03-01 08:00 UTC – 2022-03-01 08:00 UTC") {
		t.Errorf("exposure bars %q", rects)
	}

	d := &fleet.IncidentDetail{Hosts: []fleet.AffectedHost{
		{HostID: 1, Name: hostile, ExposedSince: day(0), ExposedBy: "install date", FirstSeen: day(10), LastSeen: day(20)},
		{HostID: 2, Name: "b", FirstSeen: day(20), Present: true},
	}}
	svg := string(exposureSVG(d, day(40)))
	rects = svgRects(t, svg)
	want := [][4]string{
		{"proved", "280", "180", "exposed since 2022-03-01 08:00 UTC (install date)"},
		{"seen", "460", "180", "seen by cascade 2022-03-11 08:00 UTC – 2022-03-21 08:00 UTC"},
		{"seen present", "640", "360", "seen by cascade 2022-03-21 08:00 UTC – now"},
	}
	if len(rects) != len(want) {
		t.Fatalf("rects %q, want %q", rects, want)
	}
	for i := range want {
		if rects[i] != want[i] {
			t.Errorf("rect %d: %q, want %q", i, rects[i], want[i])
		}
	}
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "\u202E") || !strings.Contains(svg, "&lt;U+202E&gt;") {
		t.Errorf("hostile host name not escaped: %s", svg)
	}
}
