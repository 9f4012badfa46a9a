package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// taxiiEnv is a server with collections and tokens of every kind.
type taxiiEnv struct {
	x *testServer
	// intel: reader reads; sightings: customer writes only.
	intel, sightings                                     string
	reader, customer, deleter, outsider, analyst, enroll string
	customerID                                           int64
}

func newTAXIIEnv(t *testing.T, st ...store.Store) *taxiiEnv {
	t.Helper()
	var s store.Store
	if len(st) > 0 {
		s = st[0]
	}
	x := newHTTP(t, s, nil)
	e := &taxiiEnv{x: x}
	c := x.client(x.admin)
	in, err := c.AddTAXIICollection(bg, fleet.TAXIICollectionRequest{Title: "Derived intel", Alias: "intel"})
	if err != nil {
		t.Fatal(err)
	}
	si, err := c.AddTAXIICollection(bg, fleet.TAXIICollectionRequest{Title: "Sightings", Alias: "sightings"})
	if err != nil {
		t.Fatal(err)
	}
	e.intel, e.sightings = in.ID, si.ID
	mk := func(name, role string) (string, int64) {
		tc, err := c.CreateToken(bg, fleet.TokenRequest{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return tc.Secret, tc.Token.ID
	}
	var rid, did int64
	e.reader, rid = mk("reader", fleet.TokenTAXII)
	e.customer, e.customerID = mk("customer", fleet.TokenTAXII)
	e.deleter, did = mk("deleter", fleet.TokenTAXII)
	e.outsider, _ = mk("outsider", fleet.TokenTAXII)
	e.analyst, _ = mk("analyst", fleet.TokenAnalyst)
	e.enroll, _ = mk("enroll", fleet.TokenEnroll)
	for _, g := range []struct {
		coll string
		id   int64
		req  fleet.TAXIIGrantRequest
	}{
		{e.intel, rid, fleet.TAXIIGrantRequest{Read: true}},
		{e.intel, e.customerID, fleet.TAXIIGrantRequest{Read: true}},
		{e.sightings, e.customerID, fleet.TAXIIGrantRequest{Write: true}},
		{e.intel, did, fleet.TAXIIGrantRequest{Read: true, Write: true, Delete: true}},
	} {
		if _, err := c.GrantTAXII(bg, g.coll, strconv.FormatInt(g.id, 10), g.req); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

type taxiiResp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a TAXII request; token "" sends no credentials, a token
// prefixed "basic:" is sent as HTTP Basic.
func (e *taxiiEnv) do(t *testing.T, method, path, token string, body []byte, hdr map[string]string) taxiiResp {
	t.Helper()
	req, _ := http.NewRequest(method, e.x.ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Accept", taxii.MediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaTAXII)
	}
	if b, ok := strings.CutPrefix(token, "basic:"); ok {
		req.SetBasicAuth("any-user", b)
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return taxiiResp{resp.StatusCode, resp.Header, b}
}

// checkError asserts a TAXII error message with the status (§3.6.1).
func checkError(t *testing.T, r taxiiResp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var e taxii.Error
	if err := json.Unmarshal(r.body, &e); err != nil || e.Title == "" || e.HTTPStatus != strconv.Itoa(status) {
		t.Fatalf("not a TAXII error envelope: %s (%v)", r.body, err)
	}
	if ct := r.header.Get("Content-Type"); ct != taxii.MediaTAXII {
		t.Fatalf("error Content-Type %q", ct)
	}
}

func stixIndicator(n int, modified string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2023-01-01T00:00:00.000Z","modified":%q,"pattern":"[file:hashes.'SHA-256' = '%064d']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`, n, modified, n)
}

func envelope(objs ...string) []byte {
	return []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
}

func (e *taxiiEnv) post(t *testing.T, coll, token string, objs ...string) taxii.Status {
	t.Helper()
	r := e.do(t, "POST", "/taxii2/api/collections/"+coll+"/objects/", token, envelope(objs...), nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	var st taxii.Status
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestTAXIIAuthAndMediaTypes(t *testing.T) {
	e := newTAXIIEnv(t)
	col := "/taxii2/api/collections/" + e.intel + "/"
	for _, tc := range []struct {
		name, method, path, token string
		body                      []byte
		hdr                       map[string]string
		status                    int
	}{
		{"no credentials", "GET", "/taxii2/", "", nil, nil, 401},
		{"no credentials, unknown path", "GET", "/taxii2/nothing/", "", nil, nil, 401},
		{"unknown token", "GET", "/taxii2/", "cascade_nope", nil, nil, 401},
		{"unknown token as basic", "GET", "/taxii2/", "basic:cascade_nope", nil, nil, 401},
		{"enrollment token", "GET", "/taxii2/", e.enroll, nil, nil, 403},
		{"bearer", "GET", "/taxii2/", e.reader, nil, nil, 200},
		{"basic", "GET", "/taxii2/", "basic:" + e.reader, nil, nil, 200},
		{"no trailing slash", "GET", "/taxii2/api", e.reader, nil, nil, 200},
		{"accept json", "GET", "/taxii2/api/", e.reader, nil, map[string]string{"Accept": "application/json"}, 406},
		{"accept taxii 2.0", "GET", "/taxii2/api/", e.reader, nil, map[string]string{"Accept": "application/taxii+json;version=2.0"}, 406},
		{"accept stix", "GET", col + "objects/", e.reader, nil, map[string]string{"Accept": "application/stix+json;version=2.1"}, 406},
		{"accept taxii without version", "GET", "/taxii2/api/", e.reader, nil, map[string]string{"Accept": "application/taxii+json"}, 200},
		{"accept among others", "GET", "/taxii2/api/", e.reader, nil, map[string]string{"Accept": "text/html, application/taxii+json;version=2.1;q=0.9"}, 200},
		{"post as json", "POST", col + "objects/", e.deleter, envelope(stixIndicator(1, "2023-01-01T00:00:00.000Z")), map[string]string{"Content-Type": "application/json"}, 415},
		{"post stix media type", "POST", col + "objects/", e.deleter, envelope(), map[string]string{"Content-Type": taxii.MediaSTIX}, 415},
		{"post not an envelope", "POST", col + "objects/", e.deleter, []byte(`[1]`), nil, 400},
		{"reader posts", "POST", col + "objects/", e.reader, envelope(), nil, 403},
		{"reader deletes", "DELETE", col + "objects/indicator--00000001-0000-4000-8000-000000000000/", e.reader, nil, nil, 403},
		{"customer reads write-only collection", "GET", "/taxii2/api/collections/" + e.sightings + "/objects/", e.customer, nil, nil, 403},
		{"method not allowed", "PUT", col, e.reader, nil, nil, 405},
		{"unknown path", "GET", "/taxii2/api/nothing/", e.reader, nil, nil, 404},
		{"unknown api root", "GET", "/taxii2/other/", e.reader, nil, nil, 404},
		{"bad added_after", "GET", col + "objects/?added_after=yesterday", e.reader, nil, nil, 400},
		{"bad limit", "GET", col + "objects/?limit=0", e.reader, nil, nil, 400},
		{"bad next", "GET", col + "objects/?next=xyz", e.reader, nil, nil, 400},
		{"bad match[version]", "GET", col + "objects/?match[version]=newest", e.reader, nil, nil, 400},
		{"unknown status", "GET", "/taxii2/api/status/00000000-0000-4000-8000-000000000000/", e.reader, nil, nil, 404},
		{"unknown object", "GET", col + "objects/indicator--00000009-0000-4000-8000-000000000000/", e.reader, nil, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.method, tc.path, tc.token, tc.body, tc.hdr)
			if tc.status == 200 {
				if r.status != 200 || r.header.Get("Content-Type") != taxii.MediaTAXII {
					t.Fatalf("%d %q %s", r.status, r.header.Get("Content-Type"), r.body)
				}
				return
			}
			checkError(t, r, tc.status)
			if tc.status == 401 {
				if got := r.header.Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], "Basic ") {
					t.Fatalf("WWW-Authenticate %q", got)
				}
			}
		})
	}
}

func TestTAXIIPayloadTooLarge(t *testing.T) {
	e := newTAXIIEnv(t)
	defer func(n int64) { taxiiMaxContent = n }(taxiiMaxContent)
	taxiiMaxContent = 1000
	var objs []string
	for i := range 10 {
		objs = append(objs, stixIndicator(i, "2023-01-01T00:00:00.000Z"))
	}
	r := e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.deleter, envelope(objs...), nil)
	checkError(t, r, 413)
	var root taxii.APIRoot
	json.Unmarshal(e.do(t, "GET", "/taxii2/api/", e.reader, nil, nil).body, &root)
	if root.MaxContentLength != 1000 || len(root.Versions) != 1 || root.Versions[0] != taxii.MediaTAXII {
		t.Fatalf("api root %+v", root)
	}
}

// TestTAXIINothingLeaks: a collection a token has no right in is answered
// exactly as one that does not exist, and is not listed.
func TestTAXIINothingLeaks(t *testing.T) {
	e := newTAXIIEnv(t)
	e.post(t, e.intel, e.deleter, stixIndicator(1, "2023-01-01T00:00:00.000Z"))
	var list taxii.Collections
	r := e.do(t, "GET", "/taxii2/api/collections/", e.outsider, nil, nil)
	if json.Unmarshal(r.body, &list); r.status != 200 || len(list.Collections) != 0 || strings.Contains(string(r.body), "intel") {
		t.Fatalf("outsider sees collections: %s", r.body)
	}
	for _, sub := range []string{"", "objects/", "manifest/", "objects/indicator--00000001-0000-4000-8000-000000000000/",
		"objects/indicator--00000001-0000-4000-8000-000000000000/versions/"} {
		hidden := e.do(t, "GET", "/taxii2/api/collections/"+e.intel+"/"+sub, e.outsider, nil, nil)
		byAlias := e.do(t, "GET", "/taxii2/api/collections/intel/"+sub, e.outsider, nil, nil)
		missing := e.do(t, "GET", "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/"+sub, e.outsider, nil, nil)
		checkError(t, hidden, 404)
		if !bytes.Equal(hidden.body, missing.body) || !bytes.Equal(byAlias.body, missing.body) {
			t.Fatalf("%s: hidden %s, missing %s", sub, hidden.body, missing.body)
		}
	}
	hidden := e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.outsider, envelope(), nil)
	checkError(t, hidden, 404)
	// the customer's list shows what it may do, and only its collections
	json.Unmarshal(e.do(t, "GET", "/taxii2/api/collections/", e.customer, nil, nil).body, &list)
	got := map[string]taxii.Collection{}
	for _, c := range list.Collections {
		got[c.ID] = c
	}
	if len(got) != 2 || !got[e.intel].CanRead || got[e.intel].CanWrite || got[e.sightings].CanRead || !got[e.sightings].CanWrite ||
		got[e.intel].MediaTypes[0] != taxii.MediaSTIX {
		t.Fatalf("customer's collections: %+v", list)
	}
}

// TestTAXIIUploadBudget: envelopes share the upload memory budget; one
// that does not fit now is answered 503 with Retry-After, not read.
func TestTAXIIUploadBudget(t *testing.T) {
	e := newTAXIIEnv(t)
	e.x.s.uploads = newUploadGate(1, 1000)
	body := envelope(stixIndicator(1, "2023-01-01T00:00:00.000Z"))
	r := e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.deleter, body, nil)
	checkError(t, r, 413) // more than the whole budget: a retry cannot help
	e.x.s.uploads = newUploadGate(1, 1<<20)
	held, _ := e.x.s.uploads.enter()
	r = e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.deleter, body, nil)
	checkError(t, r, 503)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	held.leave()
	if r := e.do(t, "POST", "/taxii2/api/collections/"+e.intel+"/objects/", e.deleter, body, nil); r.status != 202 {
		t.Fatalf("after the slot was freed: %d %s", r.status, r.body)
	}
}
