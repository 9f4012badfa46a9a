// Package mispclient talks to a MISP instance's REST API: it pulls events
// with /events/restSearch (time filter, published only by default, page
// and limit until a short page) and reports sightings of matched
// attributes with /sightings/add. Request and response shapes follow
// MISP's OpenAPI description (app/webroot/doc/openapi.yaml) and its
// SightingsController. Like every feed client it is bounded: deadlines,
// size caps, a page cap, and no request off the configured origin.
package mispclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/guard"
)

// Options configure a Client; zero values take the defaults.
type Options struct {
	Key       string // the MISP auth key, sent as Authorization
	Timeout   time.Duration
	MaxBody   int64
	Transport http.RoundTripper
}

// Client talks to one MISP instance.
type Client struct {
	base *url.URL
	opt  Options
	http *http.Client
}

// New makes a client for the instance at baseURL.
func New(baseURL string, opt Options) (*Client, error) {
	u, err := guard.CheckURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("misp: %w", err)
	}
	if opt.Key == "" {
		return nil, errors.New("misp: an auth key is required")
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = guard.DefaultMaxBody
	}
	return &Client{base: u, opt: opt, http: guard.Client(u, opt.Timeout, opt.Transport)}, nil
}

// ErrPageCap ends a pull that reached its page cap; the next pull resumes.
var ErrPageCap = errors.New("misp: page cap reached; the rest comes at the next poll")

// post sends a JSON body to path under the base URL and returns the
// capped answer.
func (c *Client) post(ctx context.Context, path string, body any) ([]byte, error) {
	u := c.base.JoinPath(path)
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.opt.Key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("misp: POST %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := guard.ReadAll(resp.Body, c.opt.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("misp: POST %s: %w", u.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("misp: POST %s: HTTP %d: %s", u.Redacted(), resp.StatusCode, apiMessage(data))
	}
	return data, nil
}

// apiMessage is the message of a MISP error answer, shortened.
func apiMessage(data []byte) string {
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && (e.Message != "" || e.Name != "") {
		return fmt.Sprintf("%.200s", strings.TrimSpace(e.Name+" "+e.Message))
	}
	return fmt.Sprintf("%.200q", data)
}

// SearchOptions select the events a pull reads.
type SearchOptions struct {
	// Since keeps events modified at or after this Unix time (MISP's
	// "timestamp" filter); 0 reads everything.
	Since int64
	// Unpublished includes events not yet published (off: published only).
	Unpublished bool
	Limit       int // events per page (default 100)
	// MaxPages is how many pages this pull reads at most (default 100);
	// past it the pull stops with ErrPageCap and PullResult.NextPage says
	// where the next one continues.
	MaxPages int
	// Page is the first page to read (default 1): a pull that resumes a
	// walk the page cap cut short, with the same Since.
	Page int
}

// PullResult says what a pull read and where the next resumes.
type PullResult struct {
	Events int
	Pages  int
	// Latest is the newest event timestamp seen: the next pull's Since
	// once the walk is done.
	Latest int64
	// NextPage is the first page not read when the pull stopped early (at
	// the page cap or on an error after some pages), 0 when it reached the
	// last page.
	NextPage int
}

// Events pulls events page by page, handing each page's {"Event": …}
// objects to page, until a short page.
func (c *Client) Events(ctx context.Context, opt SearchOptions, page func([]json.RawMessage) error) (PullResult, error) {
	res := PullResult{Latest: opt.Since}
	if opt.Limit <= 0 {
		opt.Limit = 100
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 100
	}
	if opt.Page <= 0 {
		opt.Page = 1
	}
	for p := opt.Page; ; p++ {
		res.NextPage = p
		if p-opt.Page >= opt.MaxPages {
			return res, fmt.Errorf("%w (%d pages, from page %d)", ErrPageCap, opt.MaxPages, opt.Page)
		}
		evs, latest, err := c.searchPage(ctx, opt, p)
		if err != nil {
			return res, err
		}
		res.Pages++
		if len(evs) > 0 {
			if err := page(evs); err != nil {
				return res, err
			}
		}
		res.Events += len(evs)
		res.Latest = max(res.Latest, latest)
		if len(evs) < opt.Limit {
			res.NextPage = 0
			return res, nil
		}
	}
}

type searchRequest struct {
	ReturnFormat string `json:"returnFormat"`
	Page         int    `json:"page"`
	Limit        int    `json:"limit"`
	Published    *bool  `json:"published,omitempty"`
	Timestamp    string `json:"timestamp,omitempty"`
}

// searchPage reads one page: {"response": [{"Event": {...}}, ...]}.
func (c *Client) searchPage(ctx context.Context, opt SearchOptions, page int) ([]json.RawMessage, int64, error) {
	req := searchRequest{ReturnFormat: "json", Page: page, Limit: opt.Limit}
	if !opt.Unpublished {
		t := true
		req.Published = &t
	}
	if opt.Since > 0 {
		req.Timestamp = strconv.FormatInt(opt.Since, 10)
	}
	data, err := c.post(ctx, "events/restSearch", req)
	if err != nil {
		return nil, 0, err
	}
	var resp struct {
		Response []json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, 0, fmt.Errorf("misp: events/restSearch page %d: malformed answer: %w", page, err)
	}
	if len(resp.Response) > opt.Limit {
		return nil, 0, fmt.Errorf("misp: events/restSearch page %d: %d events, more than the limit %d", page, len(resp.Response), opt.Limit)
	}
	var latest int64
	for i, raw := range resp.Response {
		var ev struct {
			Event *struct {
				UUID      string          `json:"uuid"`
				Timestamp json.RawMessage `json:"timestamp"` // "1617875568" or 1617875568
			} `json:"Event"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil || ev.Event == nil || ev.Event.UUID == "" {
			return nil, 0, fmt.Errorf("misp: events/restSearch page %d: item %d is not an event", page, i)
		}
		if ts, err := strconv.ParseInt(strings.Trim(string(ev.Event.Timestamp), `"`), 10, 64); err == nil {
			latest = max(latest, ts)
		}
	}
	return resp.Response, latest, nil
}

// Sighting is one sighting of an attribute, by its UUID (preferred) or
// its value.
type Sighting struct {
	UUID   string
	Value  string
	Source string
	At     time.Time
}

type sightingRequest struct {
	UUID      string   `json:"uuid,omitempty"`
	Values    []string `json:"values,omitempty"`
	Source    string   `json:"source,omitempty"`
	Timestamp string   `json:"timestamp"`
	Type      string   `json:"type"`
}

// AddSighting reports one sighting (type 0, "seen").
func (c *Client) AddSighting(ctx context.Context, s Sighting) error {
	req := sightingRequest{UUID: s.UUID, Source: s.Source, Timestamp: strconv.FormatInt(s.At.Unix(), 10), Type: "0"}
	if s.UUID == "" {
		if s.Value == "" {
			return errors.New("misp: a sighting needs an attribute uuid or value")
		}
		req.Values = []string{s.Value}
	}
	_, err := c.post(ctx, "sightings/add", req)
	return err
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }
