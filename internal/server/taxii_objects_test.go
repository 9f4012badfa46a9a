package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

const (
	mod1 = "2023-01-01T00:00:00.000Z"
	mod2 = "2023-02-01T00:00:00.000Z"
	mod3 = "2023-03-01T00:00:00.000Z"
)

func indID(n int) string { return fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", n) }

// objectIDs lists an envelope's objects as id@modified.
func objectIDs(t *testing.T, body []byte) (out []string, env taxii.Envelope) {
	t.Helper()
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("envelope %s: %v", body, err)
	}
	for _, o := range env.Objects {
		var f struct{ ID, Modified string }
		json.Unmarshal(o, &f)
		m := ""
		if f.Modified != "" {
			m = f.Modified[5:7]
		}
		_, n, _ := strings.Cut(f.ID, "--")
		out = append(out, n[6:8]+"@"+m)
	}
	return out, env
}

func TestTAXIIObjectsAndFilters(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) { testTAXIIObjects(t, newTAXIIEnv(t, open())) })
}

func testTAXIIObjects(t *testing.T, e *taxiiEnv) {
	c := "/taxii2/api/collections/" + e.intel + "/"
	// 1 has versions 01, 02, 03 (03 posted before 02); 2 one version;
	// a sighting; an SCO without spec_version; a malformed object.
	st := e.post(t, e.intel, e.deleter, stixIndicator(1, mod1), stixIndicator(2, mod1), stixIndicator(1, mod3))
	if st.Status != taxii.StatusComplete || st.TotalCount != 3 || st.SuccessCount != 3 || st.FailureCount != 0 || st.PendingCount != 0 {
		t.Fatalf("status %+v", st)
	}
	sighting := `{"type":"sighting","spec_version":"2.1","id":"sighting--00000005-0000-4000-8000-000000000000","created":"2023-02-01T00:00:00.000Z","modified":"2023-02-01T00:00:00.000Z","sighting_of_ref":"` + indID(1) + `","count":2}`
	st = e.post(t, e.intel, e.deleter, stixIndicator(1, mod2), sighting, stixIndicator(1, mod2),
		`{"type":"file","id":"file--00000006-0000-4000-8000-000000000000","hashes":{"SHA-256":"aa"}}`,
		`{"type":"indicator","id":"indicator--x"}`, `{"type":"indicator","spec_version":"2.0","id":"`+indID(7)+`","created":"`+mod1+`","modified":"`+mod1+`"}`)
	if st.TotalCount != 6 || st.SuccessCount != 4 || st.FailureCount != 2 || st.Successes[2].Message == "" {
		t.Fatalf("status %+v", st)
	}
	// the status resource answers again, to its maker only
	r := e.do(t, "GET", "/taxii2/api/status/"+st.ID+"/", e.deleter, nil, nil)
	var again taxii.Status
	if json.Unmarshal(r.body, &again); r.status != 200 || again.ID != st.ID || again.FailureCount != 2 {
		t.Fatalf("status resource: %d %s", r.status, r.body)
	}
	checkError(t, e.do(t, "GET", "/taxii2/api/status/"+st.ID+"/", e.reader, nil, nil), 404)

	// date_added of each version, from the manifest of all versions
	r = e.do(t, "GET", c+"manifest/?match[version]=all", e.reader, nil, nil)
	var man taxii.Manifest
	json.Unmarshal(r.body, &man)
	if len(man.Objects) != 6 || man.Objects[0].MediaType != taxii.MediaSTIX {
		t.Fatalf("manifest: %s", r.body)
	}
	added := map[string]string{}
	for _, m := range man.Objects {
		added[m.ID+"@"+m.Version] = m.DateAdded
		if len(m.DateAdded) != len("2006-01-02T15:04:05.000000Z") {
			t.Fatalf("date_added %q is not to the microsecond", m.DateAdded)
		}
	}
	if r.header.Get(taxii.HeaderDateAddedFirst) != man.Objects[0].DateAdded || r.header.Get(taxii.HeaderDateAddedLast) != man.Objects[5].DateAdded {
		t.Fatalf("headers %v", r.header)
	}
	after13 := url.QueryEscape(added[indID(1)+"@"+mod3])
	for _, tc := range []struct{ query, want string }{
		{"", "[02@01 01@03 05@02 06@]"}, // default: the last version of each, in date_added order
		{"?match[version]=last", "[02@01 01@03 05@02 06@]"},
		{"?match[version]=first", "[01@01 02@01 05@02 06@]"},
		{"?match[version]=all", "[01@01 02@01 01@03 01@02 05@02 06@]"},
		{"?match[version]=first,last", "[01@01 02@01 01@03 05@02 06@]"},
		{"?match[version]=" + mod3, "[01@03]"},
		{"?match[version]=2023-03-01T00:00:00Z&match[version]=" + mod1, "[01@01 02@01 01@03]"},
		{"?match[id]=" + indID(1) + "&match[version]=all", "[01@01 01@03 01@02]"},
		{"?match[id]=" + indID(2) + "," + indID(1), "[02@01 01@03]"},
		{"?match[type]=sighting", "[05@02]"},
		{"?match[type]=sighting,file", "[05@02 06@]"},
		{"?match[type]=malware", "[]"},
		{"?match[spec_version]=2.1", "[02@01 01@03 05@02 06@]"},
		{"?match[spec_version]=2.0", "[]"},
		{"?match[version]=all&added_after=" + after13, "[01@02 05@02 06@]"}, // exclusive
		{"?added_after=2999-01-01T00:00:00Z", "[]"},
		{"?match[version]=all&limit=2", "[01@01 02@01]"},
		{"?match[unknown]=x", "[02@01 01@03 05@02 06@]"}, // unknown filters are ignored
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := e.do(t, "GET", c+"objects/"+tc.query, e.reader, nil, nil)
			ids, env := objectIDs(t, r.body)
			if got := fmt.Sprint(ids); r.status != 200 || got != fmt.Sprint(strings.Fields(strings.Trim(tc.want, "[]"))) && !(got == "[]" && tc.want == "[]") {
				t.Fatalf("%d %s, want %s", r.status, got, tc.want)
			}
			if len(ids) == 0 && (string(r.body) != "{}\n" || r.header.Get(taxii.HeaderDateAddedFirst) != "") {
				t.Fatalf("empty answer %q %v", r.body, r.header)
			}
			if len(ids) == 2 && strings.Contains(tc.query, "limit=2") && (!env.More || env.Next == "") {
				t.Fatalf("page without more/next: %s", r.body)
			}
		})
	}
	// one object and its versions
	r = e.do(t, "GET", c+"objects/"+indID(1)+"/?match[version]=all", e.reader, nil, nil)
	if ids, _ := objectIDs(t, r.body); fmt.Sprint(ids) != "[01@01 01@03 01@02]" {
		t.Fatalf("object: %s", ids)
	}
	r = e.do(t, "GET", c+"objects/"+indID(1)+"/versions/", e.reader, nil, nil)
	var vs taxii.Versions
	if json.Unmarshal(r.body, &vs); fmt.Sprint(vs.Versions) != fmt.Sprint([]string{mod1, mod3, mod2}) || r.header.Get(taxii.HeaderDateAddedLast) == "" {
		t.Fatalf("versions: %s", r.body)
	}
	r = e.do(t, "GET", c+"objects/"+indID(1)+"/versions/?limit=1", e.reader, nil, nil)
	if json.Unmarshal(r.body, &vs); len(vs.Versions) != 1 || !vs.More {
		t.Fatalf("versions page: %s", r.body)
	}
	r = e.do(t, "GET", c+"objects/"+indID(1)+"/versions/?limit=1&next="+url.QueryEscape(vs.Next), e.reader, nil, nil)
	if json.Unmarshal(r.body, &vs); fmt.Sprint(vs.Versions) != "["+mod3+"]" {
		t.Fatalf("versions next page: %s", r.body)
	}
	// delete: the newest version, then the rest
	checkError(t, e.do(t, "DELETE", c+"objects/"+indID(1)+"/", e.customer, nil, nil), 403)
	r = e.do(t, "DELETE", c+"objects/"+indID(1)+"/?match[version]="+mod3, e.deleter, nil, nil)
	if r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = e.do(t, "GET", c+"objects/"+indID(1)+"/versions/", e.reader, nil, nil)
	if json.Unmarshal(r.body, &vs); fmt.Sprint(vs.Versions) != fmt.Sprint([]string{mod1, mod2}) {
		t.Fatalf("versions after delete: %s", r.body)
	}
	if r := e.do(t, "DELETE", c+"objects/"+indID(1)+"/", e.deleter, nil, nil); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, e.do(t, "GET", c+"objects/"+indID(1)+"/", e.reader, nil, nil), 404)
	checkError(t, e.do(t, "GET", c+"objects/"+indID(1)+"/versions/", e.reader, nil, nil), 404)
	checkError(t, e.do(t, "DELETE", c+"objects/"+indID(1)+"/", e.deleter, nil, nil), 404)
}

// TestTAXIIPagingUnderConcurrentAdds pages with next while others post:
// every object is seen exactly once, in date_added order.
func TestTAXIIPagingUnderConcurrentAdds(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) { testTAXIIPaging(t, newTAXIIEnv(t, open())) })
}

func testTAXIIPaging(t *testing.T, e *taxiiEnv) {
	const writers, posts, per = 3, 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range posts {
				var objs []string
				for i := range per {
					objs = append(objs, stixIndicator(w*100000+p*1000+i, mod1))
				}
				r := e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.deleter, envelope(objs...), nil)
				if r.status != http.StatusAccepted {
					t.Errorf("POST %d %s", r.status, r.body)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	last, next := "", ""
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		q := "?limit=10"
		if next != "" {
			q += "&next=" + url.QueryEscape(next)
		} else if last != "" {
			q += "&added_after=" + url.QueryEscape(last)
		}
		r := e.do(t, "GET", "/taxii2/api/collections/"+e.intel+"/manifest/"+q, e.reader, nil, nil)
		var m taxii.Manifest
		if err := json.Unmarshal(r.body, &m); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		for _, rec := range m.Objects {
			if seen[rec.ID] || rec.DateAdded <= last {
				t.Fatalf("%s twice or out of order (%s after %s)", rec.ID, rec.DateAdded, last)
			}
			seen[rec.ID], last = true, rec.DateAdded
		}
		next = m.Next
		if finished && len(m.Objects) == 0 {
			break
		}
	}
	if len(seen) != writers*posts*per {
		t.Fatalf("saw %d of %d objects", len(seen), writers*posts*per)
	}
}

// TestTAXIISightingsAndPublish: a customer's sightings reach the analysts'
// API; an intel document and raw objects publish into a collection.
func TestTAXIISightingsAndPublish(t *testing.T) {
	e := newTAXIIEnv(t)
	sighting := `{"type":"sighting","spec_version":"2.1","id":"sighting--00000005-0000-4000-8000-000000000000","created":"2023-02-01T00:00:00.000Z","modified":"2023-02-01T00:00:00.000Z","sighting_of_ref":"` + indID(1) + `","count":2}`
	e.post(t, e.sightings, e.customer, sighting, stixIndicator(3, mod1))
	list, err := e.x.client(e.analyst).TAXIIObjects(bg, "sightings", url.Values{"type": {"sighting"}})
	if err != nil || len(list.Objects) != 1 || !strings.Contains(string(list.Objects[0]), `"count":2`) {
		t.Fatalf("analyst's sightings: %+v %v", list, err)
	}
	admin := e.x.client(e.x.admin)
	if _, err := admin.ImportIntel(bg, "vendor.json", readTestdata(t, "xtrader.json")); err != nil {
		t.Fatal(err)
	}
	st, err := admin.PublishTAXII(bg, "intel", fleet.TAXIIPublishRequest{Intel: "vendor.json"})
	if err != nil || st.SuccessCount == 0 || st.FailureCount != 0 {
		t.Fatalf("publish intel: %+v %v", st, err)
	}
	r := e.do(t, "GET", "/taxii2/api/collections/intel/objects/?match[type]=indicator", e.reader, nil, nil)
	if ids, _ := objectIDs(t, r.body); len(ids) == 0 || !strings.Contains(string(r.body), `"pattern"`) {
		t.Fatalf("published indicators: %s", r.body)
	}
	// publishing again adds nothing new: the same versions are duplicates
	st2, _ := admin.PublishTAXII(bg, "intel", fleet.TAXIIPublishRequest{Intel: "vendor.json"})
	if !slices.ContainsFunc(st2.Successes, func(d taxii.StatusDetail) bool { return d.Message != "" }) {
		t.Fatalf("republish: %+v", st2)
	}
	_, err = admin.PublishTAXII(bg, "intel", fleet.TAXIIPublishRequest{Intel: "missing.json"})
	if err == nil {
		t.Fatal("published a missing document")
	}
	if _, err := e.x.client(e.analyst).PublishTAXII(bg, "intel", fleet.TAXIIPublishRequest{Objects: []json.RawMessage{json.RawMessage(stixIndicator(9, mod1))}}); err == nil {
		t.Fatal("an analyst published")
	}
	audit, _ := e.x.s.st.AuditLog(bg, 100, 0)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"taxii.collection_add", "taxii.grant", "taxii.add", "taxii.publish"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s in the audit log: %v", want, actions)
		}
	}
}
