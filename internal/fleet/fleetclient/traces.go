package fleetclient

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// SaveTrace runs a trace on the server and keeps it under a name; the
// server recomputes it when new findings may change it.
func (c *Client) SaveTrace(ctx context.Context, req fleet.SaveTraceRequest) (fleet.SavedTraceDetail, error) {
	var out fleet.SavedTraceDetail
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/traces", body: body, ctype: "application/json"}, &out)
	return out, err
}

// SavedTraces lists the saved traces.
func (c *Client) SavedTraces(ctx context.Context) ([]fleet.SavedTrace, error) {
	var out struct {
		Traces []fleet.SavedTrace `json:"traces"`
	}
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/traces"}, &out)
	return out.Traces, err
}

// SavedTrace reads a saved trace and its newest versions.
func (c *Client) SavedTrace(ctx context.Context, id int64, versions int) (fleet.SavedTraceDetail, error) {
	var out fleet.SavedTraceDetail
	err := c.do(ctx, request{method: "GET", path: fmt.Sprintf("%s/traces/%d", fleet.APIVersion, id),
		query: url.Values{"versions": {strconv.Itoa(versions)}}}, &out)
	return out, err
}

// RecomputeTrace recomputes a saved trace now.
func (c *Client) RecomputeTrace(ctx context.Context, id int64) (fleet.RecomputeResult, error) {
	var out fleet.RecomputeResult
	err := c.do(ctx, request{method: "POST", path: fmt.Sprintf("%s/traces/%d/recompute", fleet.APIVersion, id)}, &out)
	return out, err
}

// DeleteSavedTrace deletes a saved trace and its versions.
func (c *Client) DeleteSavedTrace(ctx context.Context, id int64) error {
	return c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("%s/traces/%d", fleet.APIVersion, id)}, nil)
}

// AddTraceInput keeps a file every trace on the server reads: kind is
// declared, deliveries, provenance or provenance-key.
func (c *Client) AddTraceInput(ctx context.Context, kind, name string, data []byte) (fleet.TraceInputResult, error) {
	var out fleet.TraceInputResult
	err := c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/trace/inputs", query: url.Values{"kind": {kind}, "name": {name}},
		body: bytes.NewReader(data), ctype: "application/octet-stream"}, &out)
	return out, err
}

// TraceInputs lists the trace inputs the server keeps.
func (c *Client) TraceInputs(ctx context.Context) ([]fleet.TraceInput, error) {
	var out struct {
		Inputs []fleet.TraceInput `json:"inputs"`
	}
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/trace/inputs"}, &out)
	return out.Inputs, err
}

// DeleteTraceInput deletes a trace input.
func (c *Client) DeleteTraceInput(ctx context.Context, id int64) error {
	return c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("%s/trace/inputs/%d", fleet.APIVersion, id)}, nil)
}
