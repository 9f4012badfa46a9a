package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// The TAXII 2.1 server: discovery at /taxii2/ and one API root, /taxii2/api/.
const (
	taxiiPrefix = "/taxii2/"
	taxiiRoot   = taxiiPrefix + "api/"
)

// taxiiMaxContent is the API root's max_content_length: the largest POST
// body it reads (answered 413 past it). A variable so tests can shrink it.
var taxiiMaxContent int64 = 32 << 20

// taxiiMaxPage caps the objects, manifest records or versions one
// response carries, whatever limit the client asks for.
const taxiiMaxPage = 10000

// taxiiReq is an authenticated TAXII request.
type taxiiReq struct {
	w    http.ResponseWriter
	r    *http.Request
	p    *principal
	path []string // segments after /taxii2/
}

// taxiiHandler serves /taxii2/: it authenticates (HTTP Basic with the
// token as password, or Bearer) before anything else, so an
// unauthenticated caller learns nothing, not even which paths exist;
// then it negotiates the media type and routes.
func (s *Server) taxiiHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := s.taxiiAuth(r)
		if tb, ok := r.Body.(*timedBody); ok && err == nil {
			tb.pace() // an authenticated envelope of up to max_content_length: paced, not cut at bodyTimeout
		}
		if err == nil {
			err = acceptTAXII(r.Header.Values("Accept"))
		}
		if err == nil {
			rest := strings.Trim(strings.TrimPrefix(r.URL.Path, taxiiPrefix), "/")
			var path []string
			if rest != "" {
				path = strings.Split(rest, "/")
			}
			err = s.taxiiRoute(&taxiiReq{w: w, r: r, p: p, path: path})
		}
		if err != nil {
			s.writeTAXIIError(w, r, err)
		}
	})
}

// taxiiAuth accepts the token as a Bearer token or as the password of
// HTTP Basic authentication (the user name is not checked), as TAXII
// clients send credentials. Enrollment tokens are refused.
func (s *Server) taxiiAuth(r *http.Request) (*principal, error) {
	secret := ""
	if _, pw, ok := r.BasicAuth(); ok {
		secret = pw
	} else if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		secret = strings.TrimSpace(b)
	}
	if secret == "" {
		return nil, errorf(http.StatusUnauthorized, "unauthorized", "credentials are required (HTTP Basic with an API token as password, or Bearer)")
	}
	t, err := s.checkedToken(r, secret)
	if err != nil {
		return nil, err
	}
	if t.Role == fleet.TokenEnroll {
		return nil, errorf(http.StatusForbidden, "forbidden", "an enrollment token cannot use TAXII")
	}
	return &principal{token: t}, nil
}

// acceptTAXII refuses a request whose Accept header names no TAXII 2.1
// media type (406). No header, */* and application/* are accepted;
// application/taxii+json without a version means the newest, 2.1.
func acceptTAXII(values []string) error {
	if len(values) == 0 {
		return nil
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if isTAXIIMedia(part, true) {
				return nil
			}
		}
	}
	return errorf(http.StatusNotAcceptable, "not_acceptable", "this server answers %s only", taxii.MediaTAXII)
}

// isTAXIIMedia reports whether a media type (or, with wild, a media range)
// is application/taxii+json version 2.1.
func isTAXIIMedia(s string, wild bool) bool {
	mt, params, err := mime.ParseMediaType(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	if wild && (mt == "*/*" || mt == "application/*") {
		return true
	}
	v, ok := params["version"]
	return mt == "application/taxii+json" && (!ok || v == "2.1")
}

// writeTAXIIError answers with a TAXII error message (§3.6.1).
func (s *Server) writeTAXIIError(w http.ResponseWriter, r *http.Request, err error) {
	he := requestError(r, err)
	s.logError(r, he)
	s.storage.note(err, s.now())
	if he.Status == http.StatusServiceUnavailable || he.Status == http.StatusInsufficientStorage {
		w.Header().Set("Retry-After", "30")
	}
	setRetryAfter(w, err)
	if he.Status == http.StatusUnauthorized {
		w.Header().Add("WWW-Authenticate", `Basic realm="cascade TAXII"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="cascade TAXII"`)
	}
	writeTAXII(w, he.Status, taxii.Error{Title: http.StatusText(he.Status), Description: he.Msg, ErrorCode: he.Code,
		HTTPStatus: strconv.Itoa(he.Status)})
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

var errNoTAXIIPath = errorf(http.StatusNotFound, "not_found", "not found")

// taxiiRoute dispatches on the path segments; every endpoint checks its
// method.
func (s *Server) taxiiRoute(q *taxiiReq) error {
	p := q.path
	switch {
	case len(p) == 0:
		return q.only(http.MethodGet, s.taxiiDiscovery)
	case p[0] != "api":
		return errNoTAXIIPath
	case len(p) == 1:
		return q.only(http.MethodGet, s.taxiiAPIRoot)
	case p[1] == "status" && len(p) == 3:
		return q.only(http.MethodGet, s.taxiiStatus)
	case p[1] != "collections" || len(p) > 6:
		return errNoTAXIIPath
	case len(p) == 2:
		return q.only(http.MethodGet, s.taxiiCollections)
	}
	c, rights, err := s.taxiiCollection(q, p[2])
	if err != nil {
		return err
	}
	switch {
	case len(p) == 3:
		return q.only(http.MethodGet, func(q *taxiiReq) error { return s.taxiiCollectionInfo(q, c, rights) })
	case p[3] == "manifest" && len(p) == 4:
		return q.only(http.MethodGet, func(q *taxiiReq) error { return s.taxiiGetObjects(q, c, rights, "", true) })
	case p[3] != "objects":
		return errNoTAXIIPath
	case len(p) == 4 && q.r.Method == http.MethodPost:
		return s.taxiiAdd(q, c, rights)
	case len(p) == 4:
		return q.only(http.MethodGet, func(q *taxiiReq) error { return s.taxiiGetObjects(q, c, rights, "", false) })
	case len(p) == 5 && q.r.Method == http.MethodDelete:
		return s.taxiiDelete(q, c, rights, p[4])
	case len(p) == 5:
		return q.only(http.MethodGet, func(q *taxiiReq) error { return s.taxiiGetObjects(q, c, rights, p[4], false) })
	case p[5] == "versions":
		return q.only(http.MethodGet, func(q *taxiiReq) error { return s.taxiiVersions(q, c, rights, p[4]) })
	}
	return errNoTAXIIPath
}

func (q *taxiiReq) only(method string, h func(*taxiiReq) error) error {
	if q.r.Method != method {
		q.w.Header().Set("Allow", method)
		return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed here", q.r.Method)
	}
	return h(q)
}

// taxiiRights is what the caller may do in one collection.
type taxiiRights struct{ read, write, delete bool }

func (r taxiiRights) any() bool { return r.read || r.write || r.delete }

// rightsOf returns the caller's rights in every collection it has any in:
// an admin token has all rights everywhere, any other token those it was
// granted.
func (s *Server) rightsOf(q *taxiiReq) (map[string]taxiiRights, bool, error) {
	if q.p.token.Role == fleet.TokenAdmin {
		return nil, true, nil
	}
	grants, err := s.st.TokenGrants(q.r.Context(), q.p.token.ID)
	if err != nil {
		return nil, false, err
	}
	m := make(map[string]taxiiRights, len(grants))
	for _, g := range grants {
		m[g.CollectionID] = taxiiRights{g.Read, g.Write, g.Delete}
	}
	return m, false, nil
}

// taxiiCollection finds a collection the caller has some right in; one it
// has none in is answered exactly as one that does not exist.
func (s *Server) taxiiCollection(q *taxiiReq, id string) (store.TAXIICollection, taxiiRights, error) {
	c, err := s.st.Collection(q.r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return c, taxiiRights{}, errNoTAXIIPath
	}
	if err != nil {
		return c, taxiiRights{}, err
	}
	m, all, err := s.rightsOf(q)
	if err != nil {
		return c, taxiiRights{}, err
	}
	if all {
		return c, taxiiRights{true, true, true}, nil
	}
	if r := m[c.ID]; r.any() {
		return c, r, nil
	}
	return store.TAXIICollection{}, taxiiRights{}, errNoTAXIIPath
}

func (s *Server) taxiiDiscovery(q *taxiiReq) error {
	writeTAXII(q.w, http.StatusOK, taxii.Discovery{Title: "cascade TAXII server",
		Description: "Intel an organization publishes from cascade: derived intel from traces, its own indicators, and sightings.",
		Default:     taxiiRoot, APIRoots: []string{taxiiRoot}})
	return nil
}

func (s *Server) taxiiAPIRoot(q *taxiiReq) error {
	writeTAXII(q.w, http.StatusOK, taxii.APIRoot{Title: "cascade", Versions: []string{taxii.MediaTAXII}, MaxContentLength: taxiiMaxContent})
	return nil
}

func wireCollection(c store.TAXIICollection, r taxiiRights) taxii.Collection {
	return taxii.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		CanRead: r.read, CanWrite: r.write, MediaTypes: []string{taxii.MediaSTIX}}
}

func (s *Server) taxiiCollections(q *taxiiReq) error {
	all, err := s.st.Collections(q.r.Context())
	if err != nil {
		return err
	}
	m, admin, err := s.rightsOf(q)
	if err != nil {
		return err
	}
	var out taxii.Collections
	for _, c := range all {
		r := m[c.ID]
		if admin {
			r = taxiiRights{true, true, true}
		}
		if r.any() {
			out.Collections = append(out.Collections, wireCollection(c, r))
		}
	}
	writeTAXII(q.w, http.StatusOK, out)
	return nil
}

func (s *Server) taxiiCollectionInfo(q *taxiiReq, c store.TAXIICollection, r taxiiRights) error {
	writeTAXII(q.w, http.StatusOK, wireCollection(c, r))
	return nil
}

// taxiiStatus answers a status resource to the token that made the
// request (or an admin); to anyone else it does not exist.
func (s *Server) taxiiStatus(q *taxiiReq) error {
	st, err := s.st.TAXIIStatus(q.r.Context(), q.path[2])
	if errors.Is(err, store.ErrNotFound) || err == nil && st.TokenID != q.p.token.ID && q.p.token.Role != fleet.TokenAdmin {
		return errNoTAXIIPath
	}
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", taxii.MediaTAXII)
	_, err = q.w.Write(st.Body)
	return err
}

// cursor encodes a page's last date_added (Unix microseconds) with its
// collection, opaquely: the next page is what was added after it, so
// objects added meanwhile come later and none is skipped or repeated.
func encodeCursor(coll string, added int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(coll + "\x00" + strconv.FormatInt(added, 10)))
}

func decodeCursor(coll, s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	c, n, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || c != coll {
		return 0, errorf(http.StatusBadRequest, "bad_request", "next is not a cursor this collection gave")
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "bad_request", "next is not a cursor this collection gave")
	}
	return v, nil
}
