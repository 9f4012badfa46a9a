package fleetclient

import (
	"context"
	"io"
	"net/url"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// subjectPath is the API path of a finding or an incident.
func subjectPath(kind, id string) string {
	if kind == fleet.SubjectIncident {
		return fleet.APIVersion + "/incidents/" + url.PathEscape(id)
	}
	return fleet.APIVersion + "/findings/" + url.PathEscape(id)
}

// Assign assigns a finding or an incident ("" unassigns).
func (c *Client) Assign(ctx context.Context, kind, id, assignee string) (fleet.Assignment, error) {
	var out fleet.Assignment
	body, err := jsonBody(fleet.AssignRequest{Assignee: assignee})
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: subjectPath(kind, id) + "/assign", body: body, ctype: "application/json"}, &out)
	return out, err
}

// Comment adds a comment to a finding or an incident.
func (c *Client) Comment(ctx context.Context, kind, id, text string) (fleet.TriageNote, error) {
	var out fleet.TriageNote
	body, err := jsonBody(fleet.CommentRequest{Text: text})
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: subjectPath(kind, id) + "/comments", body: body, ctype: "application/json"}, &out)
	return out, err
}

// Triage returns a finding's or an incident's assignment and notes.
func (c *Client) Triage(ctx context.Context, kind, id string) (fleet.Triage, error) {
	var out fleet.Triage
	err := c.do(ctx, request{method: "GET", path: subjectPath(kind, id) + "/triage"}, &out)
	return out, err
}

// BulkState changes the state of many findings with one reason.
func (c *Client) BulkState(ctx context.Context, req fleet.BulkStateRequest) (fleet.BulkStateResult, error) {
	var out fleet.BulkStateResult
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/findings/state", body: body, ctype: "application/json"}, &out)
	return out, err
}

// ExportFindings streams the findings q selects (with format csv, jsonl
// or stix) to w.
func (c *Client) ExportFindings(ctx context.Context, q url.Values, w io.Writer) error {
	return c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/findings/export", query: q}, w)
}
