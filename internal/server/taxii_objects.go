package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// taxiiQuery reads the filters of a GET (§3.5): added_after, limit, next
// and the match[] parameters, each a comma-separated list.
func taxiiQuery(r *http.Request, coll string) (store.TAXIIQuery, error) {
	v := r.URL.Query()
	q := store.TAXIIQuery{Collection: coll, Limit: taxiiMaxPage}
	if s := v.Get("added_after"); s != "" {
		t, err := taxii.ParseTime(s)
		if err != nil {
			return q, errorf(http.StatusBadRequest, "bad_request", "added_after %.64q is not an RFC 3339 timestamp", s)
		}
		q.After = t.Truncate(time.Microsecond)
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return q, errorf(http.StatusBadRequest, "bad_request", "limit must be a positive number")
		}
		q.Limit = min(n, taxiiMaxPage)
	}
	if s := v.Get("next"); s != "" {
		at, err := decodeCursor(coll, s)
		if err != nil {
			return q, err
		}
		if c := time.UnixMicro(at).UTC(); c.After(q.After) {
			q.After = c
		}
	}
	q.IDs, q.Types, q.SpecVersions = matchList(v, "id"), matchList(v, "type"), matchList(v, "spec_version")
	for _, ver := range matchList(v, "version") {
		switch ver {
		case "first":
			q.First = true
		case "last":
			q.Last = true
		case "all":
			q.All = true
		default:
			t, err := taxii.ParseTime(ver)
			if err != nil {
				return q, errorf(http.StatusBadRequest, "bad_request", "match[version] %.64q is not first, last, all or a timestamp", ver)
			}
			q.At = append(q.At, t)
		}
	}
	return q, nil
}

func matchList(v map[string][]string, field string) []string {
	var out []string
	for _, s := range v["match["+field+"]"] {
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

var errNoRead = errorf(http.StatusForbidden, "forbidden", "this token may not read this collection")

// setAddedHeaders sets X-TAXII-Date-Added-First and -Last from a page.
func setAddedHeaders(w http.ResponseWriter, recs []store.TAXIIRecord) {
	if len(recs) == 0 {
		return
	}
	w.Header().Set(taxii.HeaderDateAddedFirst, taxii.FormatTime(recs[0].DateAdded))
	w.Header().Set(taxii.HeaderDateAddedLast, taxii.FormatTime(recs[len(recs)-1].DateAdded))
}

// taxiiGetObjects answers GET objects/ (an envelope), manifest/ (records
// without content), and objects/{id}/ (one object's versions).
func (s *Server) taxiiGetObjects(q *taxiiReq, c store.TAXIICollection, r taxiiRights, id string, manifest bool) error {
	if !r.read {
		return errNoRead
	}
	tq, err := taxiiQuery(q.r, c.ID)
	if err != nil {
		return err
	}
	if id != "" {
		tq.IDs, tq.Types = []string{id}, nil
	}
	tq.Body = !manifest
	recs, more, err := s.st.QueryObjects(q.r.Context(), tq)
	if err != nil {
		return err
	}
	if id != "" && len(recs) == 0 {
		if err := s.taxiiObjectExists(q, c.ID, id); err != nil {
			return err
		}
	}
	next := ""
	if more {
		next = encodeCursor(c.ID, recs[len(recs)-1].DateAdded.UnixMicro())
	}
	setAddedHeaders(q.w, recs)
	if manifest {
		m := taxii.Manifest{More: more, Next: next}
		for _, rec := range recs {
			m.Objects = append(m.Objects, taxii.ManifestRecord{ID: rec.ID, DateAdded: taxii.FormatTime(rec.DateAdded),
				Version: rec.Version, MediaType: taxii.MediaSTIX})
		}
		writeTAXII(q.w, http.StatusOK, m)
		return nil
	}
	writeEnvelope(q.w, more, next, recs)
	return nil
}

// writeEnvelope writes an envelope (§3.7) of stored objects as they are:
// they were checked and compacted when added, so encoding/json need not
// check them again (a page is up to taxiiMaxPage objects).
func writeEnvelope(w http.ResponseWriter, more bool, next string, recs []store.TAXIIRecord) {
	if len(recs) == 0 {
		writeTAXII(w, http.StatusOK, taxii.Envelope{More: more, Next: next})
		return
	}
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteByte('{')
	if more {
		nx, _ := json.Marshal(next)
		bw.WriteString(`"more":true,"next":`)
		bw.Write(nx)
		bw.WriteByte(',')
	}
	bw.WriteString(`"objects":[`)
	for i, rec := range recs {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(rec.Body)
	}
	bw.WriteString("]}\n")
	bw.Flush()
}

// taxiiObjectExists answers 404 for an object the collection does not
// hold in any version.
func (s *Server) taxiiObjectExists(q *taxiiReq, coll, id string) error {
	recs, _, err := s.st.QueryObjects(q.r.Context(), store.TAXIIQuery{Collection: coll, IDs: []string{id}, All: true, Limit: 1})
	if err == nil && len(recs) == 0 {
		return errNoTAXIIPath
	}
	return err
}

// taxiiVersions answers GET objects/{id}/versions/ (§5.8): every version
// of one object, by date added.
func (s *Server) taxiiVersions(q *taxiiReq, c store.TAXIICollection, r taxiiRights, id string) error {
	if !r.read {
		return errNoRead
	}
	tq, err := taxiiQuery(q.r, c.ID)
	if err != nil {
		return err
	}
	tq.IDs, tq.Types, tq.All, tq.First, tq.Last, tq.At = []string{id}, nil, true, false, false, nil
	recs, more, err := s.st.QueryObjects(q.r.Context(), tq)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		if err := s.taxiiObjectExists(q, c.ID, id); err != nil {
			return err
		}
	}
	out := taxii.Versions{More: more}
	if more {
		out.Next = encodeCursor(c.ID, recs[len(recs)-1].DateAdded.UnixMicro())
	}
	for _, rec := range recs {
		out.Versions = append(out.Versions, rec.Version)
	}
	setAddedHeaders(q.w, recs)
	writeTAXII(q.w, http.StatusOK, out)
	return nil
}

// taxiiDelete answers DELETE objects/{id}/ (§5.7), for tokens with write
// and delete rights; match[version] and match[spec_version] select the
// versions (all of them by default).
func (s *Server) taxiiDelete(q *taxiiReq, c store.TAXIICollection, r taxiiRights, id string) error {
	if !r.write || !r.delete {
		return errorf(http.StatusForbidden, "forbidden", "this token may not delete from this collection")
	}
	tq, err := taxiiQuery(q.r, c.ID)
	if err != nil {
		return err
	}
	tq.IDs, tq.Types = []string{id}, nil
	if !tq.First && !tq.Last && len(tq.At) == 0 {
		tq.All = true
	}
	n, err := s.st.DeleteObject(q.r.Context(), tq)
	if err != nil {
		return err
	}
	s.audit(q.r, q.p, "taxii.delete", "collection "+c.ID, fmt.Sprintf("%d version(s) of %s", n, id))
	q.w.Header().Set("Content-Type", taxii.MediaTAXII)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// taxiiAdd answers POST objects/ (§5.5): the envelope's objects are
// checked one by one, the valid ones stored in one transaction, and the
// request answered 202 with its status resource, complete at once.
func (s *Server) taxiiAdd(q *taxiiReq, c store.TAXIICollection, r taxiiRights) error {
	if !r.write {
		return errorf(http.StatusForbidden, "forbidden", "this token may not add to this collection")
	}
	if !isTAXIIMedia(q.r.Header.Get("Content-Type"), false) {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the envelope as %s", taxii.MediaTAXII)
	}
	if q.r.ContentLength > taxiiMaxContent {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than max_content_length (%d bytes)", taxiiMaxContent)
	}
	// an envelope is held about three times while read and checked (the
	// body, its objects, their stored copies): it takes a slot and that
	// much of the memory budget snapshot uploads share, or waits its turn
	// (503 with Retry-After)
	gate, err := s.uploads.enter()
	if err != nil {
		return err
	}
	defer gate.leave()
	size := q.r.ContentLength
	if size < 0 {
		size = taxiiMaxContent
	}
	if err := gate.charge(3 * size); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, taxiiMaxContent))
	if err != nil {
		return err
	}
	objs, err := envelopeObjects(body)
	if err != nil {
		return err
	}
	st, err := s.storeObjects(q.r.Context(), c.ID, objs)
	if err != nil {
		return err
	}
	buf, _ := json.Marshal(st)
	rec := store.TAXIIStatus{ID: st.ID, Collection: c.ID, TokenID: q.p.token.ID, Created: s.now(), Body: buf}
	if err := s.st.PutTAXIIStatus(q.r.Context(), rec); err != nil {
		return err
	}
	s.audit(q.r, q.p, "taxii.add", "collection "+c.ID, fmt.Sprintf("status %s: %d added, %d refused", st.ID, st.SuccessCount, st.FailureCount))
	q.w.Header().Set("Content-Type", taxii.MediaTAXII)
	q.w.WriteHeader(http.StatusAccepted)
	_, err = q.w.Write(append(buf, '\n'))
	return err
}

// addObjects validates and stores objects, reporting each in a status.
func (s *Server) addObjects(r *http.Request, coll string, raws []json.RawMessage) (taxii.Status, error) {
	return s.addObjectsCtx(r.Context(), coll, raws)
}

// addObjectsCtx is addObjects for the server's own publications.
func (s *Server) addObjectsCtx(ctx context.Context, coll string, raws []json.RawMessage) (taxii.Status, error) {
	return s.storeObjects(ctx, coll, parseObjects(raws))
}

// storeObjects stores the valid objects of an add, reporting each in a
// status.
func (s *Server) storeObjects(ctx context.Context, coll string, ins []stixIn) (taxii.Status, error) {
	now := s.now()
	st := taxii.Status{ID: newUUID(), Status: taxii.StatusComplete, RequestTimestamp: taxii.FormatTime(now), TotalCount: len(ins)}
	objs := make([]store.TAXIIObject, 0, len(ins))
	for _, in := range ins {
		o := in.obj
		if in.err != nil {
			st.Failures = append(st.Failures, taxii.StatusDetail{ID: o.ID, Version: o.Version, Message: in.err.Error()})
			continue
		}
		objs = append(objs, store.TAXIIObject{ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion, Version: o.Version,
			VersionAt: o.VersionAt, Body: compactJSON(in.raw)})
	}
	added, err := s.st.AddObjects(ctx, coll, objs, now)
	if err != nil {
		return st, err
	}
	for _, a := range added {
		d := taxii.StatusDetail{ID: a.ID, Version: a.Version}
		if a.Duplicate {
			d.Message = "this version was already in the collection"
		}
		st.Successes = append(st.Successes, d)
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	return st, nil
}

// compactJSON drops the line breaks and indentation of a pretty-printed
// object; raw is valid JSON (ParseObject decoded it). One already on one
// line is kept as it is, sparing a pass over every object of a large add.
func compactJSON(raw []byte) []byte {
	if bytes.IndexByte(raw, '\n') < 0 {
		return raw
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
