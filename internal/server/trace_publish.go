package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cascade-ir/cascade/internal/cascade/output"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	"github.com/cascade-ir/cascade/internal/store"
)

// Automatic publication (docs/trace.md, "Publishing a saved trace"): a
// saved trace with publish_to republishes its derived intel, the STIX
// bundle of `cascade trace --format stix`, into that TAXII collection of
// this server each time a new version of its result is stored (when it
// is saved, and whenever a retro-trace finds it changed). Customers who
// subscribe to the collection receive it with no human step between.

// publishTarget checks a save request's publish_to and returns the
// collection's id ("" when none is asked for).
func (s *Server) publishTarget(ctx context.Context, req fleet.SaveTraceRequest) (string, error) {
	if req.PublishTo == "" {
		return "", nil
	}
	if req.Backwards {
		return "", errorf(http.StatusBadRequest, "bad_request", "publish_to: only a forward trace derives intel to publish")
	}
	c, err := s.st.Collection(ctx, req.PublishTo)
	if errors.Is(err, store.ErrNotFound) {
		return "", errorf(http.StatusBadRequest, "bad_request", "publish_to: no TAXII collection %.100q", req.PublishTo)
	}
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// publishTrace adds a saved trace's derived intel to its collection. A
// failure is logged and audited, not returned: the version is stored
// either way, and the next change publishes again (objects already in
// the collection are kept once).
func (s *Server) publishTrace(ctx context.Context, t fleet.SavedTrace, version int64, res *tracegraph.Outcome) {
	if t.PublishTo == "" || res == nil || res.Forward == nil {
		return
	}
	var buf bytes.Buffer
	err := output.STIX(&buf, res.Forward)
	var objs []json.RawMessage
	if err == nil {
		objs, err = bundleObjects(buf.Bytes())
	}
	detail := ""
	if err == nil {
		st, aerr := s.addObjectsCtx(ctx, t.PublishTo, objs)
		err = aerr
		detail = fmt.Sprintf("trace %d (%s) version %d: %d added, %d refused", t.ID, t.Name, version, st.SuccessCount, st.FailureCount)
	}
	if err != nil {
		s.log.Error("saved trace: publish", "trace", t.ID, "collection", t.PublishTo, "err", err)
		detail = fmt.Sprintf("trace %d (%s) version %d: failed: %v", t.ID, t.Name, version, err)
	}
	e := fleet.AuditEntry{At: s.now(), Actor: retroActor, Role: "server", Action: "taxii.publish", Target: "collection " + t.PublishTo, Detail: detail}
	if aerr := s.st.Audit(context.WithoutCancel(ctx), e); aerr != nil {
		s.log.Error("audit log write failed", "action", e.Action, "err", aerr)
	}
}
