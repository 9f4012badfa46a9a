package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade/output"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// taxiiRoutes are the fleet API's side of the TAXII server: collections
// and grants (admin), what a collection holds (analysts: the sightings
// customers sent), and publishing into a collection.
func (s *Server) taxiiRoutes() []route {
	v := fleet.APIVersion + "/taxii/collections"
	return []route{
		{"GET", v, rolesRead, 0, s.listTAXIICollections},
		{"POST", v, rolesAdmin, smallBody, s.addTAXIICollection},
		{"DELETE", v + "/{id}", rolesAdmin, 0, s.deleteTAXIICollection},
		{"GET", v + "/{id}/grants", rolesAdmin, 0, s.listTAXIIGrants},
		{"PUT", v + "/{id}/grants/{token}", rolesAdmin, smallBody, s.grantTAXII},
		{"GET", v + "/{id}/objects", rolesRead, 0, s.listTAXIIObjects},
		{"POST", v + "/{id}/publish", rolesAdmin, traceBody, s.publishTAXII},
	}
}

func (s *Server) listTAXIICollections(w http.ResponseWriter, r *http.Request, _ *principal) error {
	list, err := s.st.Collections(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": list})
	return nil
}

// aliasRE: an alias is a short name usable in a URL path segment.
var aliasRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (s *Server) addTAXIICollection(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.TAXIICollectionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case req.Title == "" || len(req.Title) > 256 || len(req.Description) > 4096:
		return errorf(http.StatusBadRequest, "bad_request", "a title of 1 to 256 characters (and a description of at most 4096) is required")
	case req.Alias != "" && !aliasRE.MatchString(req.Alias):
		return errorf(http.StatusBadRequest, "bad_request", "an alias is 1 to 64 letters, digits, dots, dashes or underscores")
	case req.ID != "" && !uuidRE.MatchString(req.ID):
		return errorf(http.StatusBadRequest, "bad_request", "a collection id is a UUID")
	}
	if req.ID == "" {
		req.ID = newUUID()
	}
	c, err := s.st.CreateCollection(r.Context(), store.TAXIICollection{ID: strings.ToLower(req.ID), Alias: req.Alias,
		Title: req.Title, Description: req.Description, Created: s.now().Truncate(time.Microsecond)})
	if err != nil {
		return err
	}
	s.audit(r, p, "taxii.collection_add", "collection "+c.ID, fmt.Sprintf("title %q, alias %q", c.Title, c.Alias))
	writeJSON(w, http.StatusCreated, c)
	return nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// adminCollection finds a collection named in the path by id or alias.
func (s *Server) adminCollection(r *http.Request) (store.TAXIICollection, error) {
	return s.st.Collection(r.Context(), r.PathValue("id"))
}

func (s *Server) deleteTAXIICollection(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := s.adminCollection(r)
	if err != nil {
		return err
	}
	if err := s.st.DeleteCollection(r.Context(), c.ID); err != nil {
		return err
	}
	s.audit(r, p, "taxii.collection_delete", "collection "+c.ID, fmt.Sprintf("title %q", c.Title))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTAXIIGrants(w http.ResponseWriter, r *http.Request, _ *principal) error {
	c, err := s.adminCollection(r)
	if err != nil {
		return err
	}
	list, err := s.st.Grants(r.Context(), c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": list})
	return nil
}

func (s *Server) grantTAXII(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := s.adminCollection(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "token")
	if err != nil {
		return err
	}
	var req fleet.TAXIIGrantRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Delete && !req.Write {
		return errorf(http.StatusBadRequest, "bad_request", "delete needs write too")
	}
	if err := s.grantableToken(r, id); err != nil {
		return err
	}
	g := store.TAXIIGrant{CollectionID: c.ID, TokenID: id, Read: req.Read, Write: req.Write, Delete: req.Delete}
	if err := s.st.SetGrant(r.Context(), g); err != nil {
		return err
	}
	s.audit(r, p, "taxii.grant", "collection "+c.ID, fmt.Sprintf("token %d: read %t, write %t, delete %t", id, g.Read, g.Write, g.Delete))
	writeJSON(w, http.StatusOK, g)
	return nil
}

// grantableToken checks that a token exists, is live and may use TAXII.
func (s *Server) grantableToken(r *http.Request, id int64) error {
	list, err := s.st.ListTokens(r.Context())
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.ID == id && !t.Revoked && t.Role != fleet.TokenEnroll {
			return nil
		}
	}
	return errorf(http.StatusNotFound, "not_found", "no live token %d that may use TAXII (enrollment tokens may not)", id)
}

// listTAXIIObjects shows analysts what a collection holds (the sightings
// customers sent, say): the newest version of each object, filtered by
// ?type=, paged by ?after= (a date_added from next) and ?limit=.
func (s *Server) listTAXIIObjects(w http.ResponseWriter, r *http.Request, _ *principal) error {
	c, err := s.adminCollection(r)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	q := store.TAXIIQuery{Collection: c.ID, Limit: 100, Body: true}
	if t := v.Get("type"); t != "" {
		q.Types = strings.Split(t, ",")
	}
	if a := v.Get("after"); a != "" {
		if q.After, err = taxii.ParseTime(a); err != nil {
			return errorf(http.StatusBadRequest, "bad_request", "after is not an RFC 3339 timestamp")
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return errorf(http.StatusBadRequest, "bad_request", "limit must be a positive number")
		}
		q.Limit = min(n, taxiiMaxPage)
	}
	recs, more, err := s.st.QueryObjects(r.Context(), q)
	if err != nil {
		return err
	}
	out := fleet.TAXIIObjectList{Objects: []json.RawMessage{}}
	for _, rec := range recs {
		out.Objects = append(out.Objects, rec.Body)
	}
	if more {
		out.Next = taxii.FormatTime(recs[len(recs)-1].DateAdded)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// publishTAXII adds to a collection the STIX objects of a forward trace's
// derived intel, of a stored intel document, or given as they are.
func (s *Server) publishTAXII(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := s.adminCollection(r)
	if err != nil {
		return err
	}
	var req fleet.TAXIIPublishRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	objs, what, err := s.publishObjects(r, req)
	if err != nil {
		return err
	}
	st, err := s.addObjects(r, c.ID, objs)
	if err != nil {
		return err
	}
	s.audit(r, p, "taxii.publish", "collection "+c.ID, fmt.Sprintf("%s: %d added, %d refused", what, st.SuccessCount, st.FailureCount))
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) publishObjects(r *http.Request, req fleet.TAXIIPublishRequest) ([]json.RawMessage, string, error) {
	n := 0
	for _, set := range []bool{req.Trace != nil, req.Intel != "", len(req.Objects) > 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, "", errorf(http.StatusBadRequest, "bad_request", "give exactly one of trace, intel or objects")
	}
	var buf bytes.Buffer
	switch {
	case req.Trace != nil:
		if req.Trace.Backwards {
			return nil, "", errorf(http.StatusBadRequest, "bad_request", "only a forward trace derives intel to publish")
		}
		res, err := s.traceOnce(r.Context(), *req.Trace)
		if err != nil {
			return nil, "", err
		}
		if err := output.STIX(&buf, res.Forward); err != nil {
			return nil, "", err
		}
		objs, err := bundleObjects(buf.Bytes())
		return objs, "trace", err
	case req.Intel != "":
		doc, err := s.intelDoc(r, req.Intel)
		if err != nil {
			return nil, "", err
		}
		in, err := load.Bytes(doc.Name, doc.Content)
		if err != nil {
			return nil, "", errorf(http.StatusConflict, "bad_intel", "intel document %q no longer loads: %v", doc.Name, err)
		}
		if err := stix.Export(&buf, in, stix.ExportOptions{Created: doc.ImportedAt}); err != nil {
			return nil, "", err
		}
		objs, err := bundleObjects(buf.Bytes())
		return objs, "intel " + doc.Name, err
	}
	return req.Objects, "objects", nil
}

func (s *Server) intelDoc(r *http.Request, name string) (store.IntelDocument, error) {
	docs, err := s.st.IntelDocs(r.Context(), true)
	if err != nil {
		return store.IntelDocument{}, err
	}
	for _, d := range docs {
		if d.Name == name {
			return d, nil
		}
	}
	return store.IntelDocument{}, errorf(http.StatusNotFound, "not_found", "no intel document %.200q", name)
}

// bundleObjects takes the objects out of a STIX bundle.
func bundleObjects(b []byte) ([]json.RawMessage, error) {
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		return nil, fmt.Errorf("read the STIX bundle: %w", err)
	}
	return bundle.Objects, nil
}
