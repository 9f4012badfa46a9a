// Package fleetclient is the Go client of the fleet server's JSON API,
// used by the agent and by `cascade client`.
package fleetclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Client talks to one server with one token.
type Client struct {
	Base  string
	Token string
	HTTP  *http.Client
	// UserAgent names the caller.
	UserAgent string
}

// New returns a client for base (https://host:port) with TLS settings
// (nil: the system roots). The client keeps its own copy of tlsConf: an
// HTTP transport writes to its TLS config on first use (the protocols it
// offers), so clients sharing one would race.
func New(base, token string, tlsConf *tls.Config) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf.Clone()
	tr.DisableCompression = false
	return &Client{Base: strings.TrimRight(base, "/"), Token: token,
		HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Minute}, UserAgent: "cascade"}
}

// APIError is an error answer from the server.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Code, e.Message)
}

// IsCode reports whether err is an API error with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// Status returns the HTTP status of an API error (0 for other errors).
func Status(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// request is one API call.
type request struct {
	method, path string
	query        url.Values
	body         io.Reader
	ctype        string
	gzip         bool
}

func (c *Client) do(ctx context.Context, rq request, out any) error {
	u := c.Base + rq.path
	if len(rq.query) > 0 {
		u += "?" + rq.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u, rq.body)
	if err != nil {
		return err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", c.UserAgent)
	req.Header.Set("Accept", "application/json")
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	if rq.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return explainCert(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if h, ok := out.(headerSink); ok {
		h.header(resp.Header)
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", rq.method, rq.path, err)
	}
	return nil
}

func decodeError(resp *http.Response) error {
	var body fleet.ErrorBody
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &body) != nil || body.Error.Code == "" {
		return &APIError{Status: resp.StatusCode, Code: strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(string(raw))}
	}
	return &APIError{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}
}

func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	return bytes.NewReader(b), err
}

// gzipJSON encodes v as gzip-compressed JSON.
func gzipJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Enroll exchanges the client's enrollment token for an agent token.
func (c *Client) Enroll(ctx context.Context, h snapshot.Host) (fleet.EnrollResponse, error) {
	var out fleet.EnrollResponse
	body, err := jsonBody(fleet.EnrollRequest{Host: h})
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/enroll", body: body, ctype: "application/json"}, &out)
	return out, err
}

// Upload sends a snapshot or delta, gzip-compressed.
func (c *Client) Upload(ctx context.Context, up *fleet.Upload) (fleet.UploadResult, error) {
	var out fleet.UploadResult
	data, err := gzipJSON(up)
	if err != nil {
		return out, err
	}
	err = c.UploadRaw(ctx, data, &out)
	return out, err
}

// UploadRaw sends an already gzip-compressed upload body.
func (c *Client) UploadRaw(ctx context.Context, gz []byte, out *fleet.UploadResult) error {
	return c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/snapshots", body: bytes.NewReader(gz),
		ctype: "application/json", gzip: true}, out)
}

// Hosts lists hosts (q: q, role, limit, offset).
func (c *Client) Hosts(ctx context.Context, q url.Values) (fleet.HostList, error) {
	var out fleet.HostList
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/hosts", query: q}, &out)
	return out, err
}

// Findings lists findings (q: host, incident, state, min_score, present…).
func (c *Client) Findings(ctx context.Context, q url.Values) (fleet.FindingList, error) {
	var out fleet.FindingList
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/findings", query: q}, &out)
	return out, err
}

// Finding returns one finding with its evidence.
func (c *Client) Finding(ctx context.Context, id string) (fleet.FindingDetail, error) {
	var out fleet.FindingDetail
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/findings/" + url.PathEscape(id)}, &out)
	return out, err
}

// SetState triages a finding.
func (c *Client) SetState(ctx context.Context, id string, req fleet.StateRequest) (fleet.Finding, error) {
	var out fleet.Finding
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/findings/" + url.PathEscape(id) + "/state", body: body, ctype: "application/json"}, &out)
	return out, err
}

// ImportIntel uploads an intel document under a name.
func (c *Client) ImportIntel(ctx context.Context, name string, data []byte) (fleet.IntelImported, error) {
	var out fleet.IntelImported
	err := c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/intel", query: url.Values{"name": {name}},
		body: bytes.NewReader(data), ctype: "application/octet-stream"}, &out)
	return out, err
}

// RemoveIntel deletes the intel document imported under a name; the
// change starts a retro-hunt that retracts what only it supported.
func (c *Client) RemoveIntel(ctx context.Context, name string) (fleet.IntelImported, error) {
	var out fleet.IntelImported
	err := c.do(ctx, request{method: "DELETE", path: fleet.APIVersion + "/intel/" + url.PathEscape(name)}, &out)
	return out, err
}

// ImportSnapshot uploads an inventory file or SBOM for the server to store.
func (c *Client) ImportSnapshot(ctx context.Context, data []byte, q url.Values) ([]fleet.ImportResult, error) {
	var out []fleet.ImportResult
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	err := c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/imports", query: q, body: &buf,
		ctype: "application/octet-stream", gzip: true}, &out)
	return out, err
}

// HostEnrollToken makes a one-use enrollment token bound to a host (an
// admin allowing it to enroll again).
func (c *Client) HostEnrollToken(ctx context.Context, hostID int64) (fleet.TokenCreated, error) {
	var out fleet.TokenCreated
	err := c.do(ctx, request{method: "POST", path: fmt.Sprintf("%s/hosts/%d/enroll-token", fleet.APIVersion, hostID)}, &out)
	return out, err
}

// CreateToken makes an admin, analyst or enrollment token.
func (c *Client) CreateToken(ctx context.Context, req fleet.TokenRequest) (fleet.TokenCreated, error) {
	var out fleet.TokenCreated
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/tokens", body: body, ctype: "application/json"}, &out)
	return out, err
}

// Hunt returns one retro-hunt.
func (c *Client) Hunt(ctx context.Context, id int64) (fleet.Hunt, error) {
	var out fleet.Hunt
	err := c.do(ctx, request{method: "GET", path: fmt.Sprintf("%s/hunts/%d", fleet.APIVersion, id)}, &out)
	return out, err
}

// Incidents lists incidents affecting the fleet.
func (c *Client) Incidents(ctx context.Context) ([]fleet.Incident, error) {
	var out struct {
		Incidents []fleet.Incident `json:"incidents"`
	}
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/incidents"}, &out)
	return out.Incidents, err
}

// Incident returns one incident: what the intel says of it, the
// incidents it is tied to, and the hosts it affects.
func (c *Client) Incident(ctx context.Context, id string) (fleet.IncidentDetail, error) {
	var out fleet.IncidentDetail
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/incidents/" + url.PathEscape(id)}, &out)
	return out, err
}

// Get fetches any API path into out (JSON) or an io.Writer.
func (c *Client) Get(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, request{method: "GET", path: path, query: q}, out)
}

// Delete sends DELETE to an API path.
func (c *Client) Delete(ctx context.Context, path string) error {
	return c.do(ctx, request{method: "DELETE", path: path}, nil)
}

// headerSink is an output that wants the answer's headers first.
type headerSink interface{ header(http.Header) }

type traceOut struct {
	io.Writer
	found bool
}

func (t *traceOut) header(h http.Header) { t.found = h.Get(fleet.HeaderTraceFound) == "true" }

// Trace runs a trace on the server and copies its answer, in format
// (table, json, dot or stix), to w. found reports whether the trace
// reached anything past its seeds (forward) or named a patient-zero
// candidate (backwards).
func (c *Client) Trace(ctx context.Context, req fleet.TraceRequest, format string, w io.Writer) (found bool, err error) {
	body, err := jsonBody(req)
	if err != nil {
		return false, err
	}
	out := &traceOut{Writer: w}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/trace", query: url.Values{"format": {format}},
		body: body, ctype: "application/json"}, out)
	return out.found, err
}
