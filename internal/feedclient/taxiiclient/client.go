// Package taxiiclient is a TAXII 2.1 client (OASIS TAXII Version 2.1):
// discovery, API roots, collections, objects with added_after and next
// paging, and adding objects with their status resource. It trusts nothing
// the server says: every response has a size cap and a deadline, paging
// has a page cap and loop detection, and no request leaves the origin of
// the URL it was given.
package taxiiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/guard"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// Auth is a credential: HTTP Basic (User, Password) or a bearer Token.
type Auth struct {
	User, Password string
	Token          string
}

func (a Auth) String() string { return "[redacted]" }

// Options configure a Client; zero values take the defaults.
type Options struct {
	Auth    Auth
	Timeout time.Duration // per request, body included (default 1 min)
	MaxBody int64         // per response (default 64 MiB)
	// Transport carries the requests (nil: a clone of the default).
	Transport http.RoundTripper
	Log       *slog.Logger
}

// Client talks to one TAXII server: the origin (scheme, host, port) of the
// URL it was made for. Requests elsewhere are refused.
type Client struct {
	base *url.URL
	opt  Options
	http *http.Client
	log  *slog.Logger
}

// New makes a client for the server at rawURL (a discovery URL or an API
// root URL; only its origin matters here).
func New(rawURL string, opt Options) (*Client, error) {
	u, err := guard.CheckURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("taxii: %w", err)
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = guard.DefaultMaxBody
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{base: u, opt: opt, http: guard.Client(u, opt.Timeout, opt.Transport), log: log}, nil
}

// resolve turns ref (absolute, or relative to base) into a URL, refusing
// any other origin: a discovery resource naming API roots elsewhere, or a
// status URL pointing away, never makes us contact that address.
func (c *Client) resolve(base, ref string) (*url.URL, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("taxii: bad URL %q: %w", base, err)
	}
	u, err := b.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("taxii: bad URL %q: %w", ref, err)
	}
	if !guard.SameOrigin(c.base, u) {
		return nil, fmt.Errorf("taxii: %s is not on %s: %w", u.Redacted(), c.base.Host, guard.ErrOtherHost)
	}
	return u, nil
}

// dirURL makes sure a resource URL ends in a slash, as TAXII's do.
func dirURL(u string) string {
	if strings.HasSuffix(u, "/") {
		return u
	}
	return u + "/"
}

// HTTPError is a non-success answer, with the server's error resource when
// it sent one.
type HTTPError struct {
	Method, URL string
	Status      int
	TAXII       *taxii.Error
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.Status)
	if e.TAXII != nil && e.TAXII.Title != "" {
		msg += ": " + e.TAXII.Error()
	}
	return msg
}

// Temporary reports whether retrying later may help.
func (e *HTTPError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// do sends one request and returns the capped body and the response.
func (c *Client) do(ctx context.Context, method string, u *url.URL, accept string, body []byte, ctype string) ([]byte, *http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch a := c.opt.Auth; {
	case a.Token != "":
		req.Header.Set("Authorization", "Bearer "+a.Token)
	case a.User != "" || a.Password != "":
		req.SetBasicAuth(a.User, a.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("taxii: %s %s: %w", method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := guard.ReadAll(resp.Body, c.opt.MaxBody)
	if err != nil {
		return nil, nil, fmt.Errorf("taxii: %s %s: %w", method, u.Redacted(), err)
	}
	if resp.StatusCode/100 != 2 {
		he := &HTTPError{Method: method, URL: u.Redacted(), Status: resp.StatusCode}
		var te taxii.Error
		if json.Unmarshal(data, &te) == nil && te.Title != "" {
			he.TAXII = &te
		}
		return nil, nil, he
	}
	return data, resp, nil
}

// getJSON fetches a TAXII resource into v.
func (c *Client) getJSON(ctx context.Context, u *url.URL, v any) (*http.Response, error) {
	data, resp, err := c.do(ctx, http.MethodGet, u, taxii.MediaTAXII, nil, "")
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(data, v); err != nil {
		return nil, fmt.Errorf("taxii: GET %s: malformed answer: %w", u.Redacted(), err)
	}
	return resp, nil
}

// decodeStrict decodes one JSON object and nothing after it.
func decodeStrict(data []byte, v any) error {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// Discover reads the discovery resource at discoveryURL (e.g.
// https://host/taxii2/). API roots on other hosts are dropped, with a log
// line: the client will not contact them.
func (c *Client) Discover(ctx context.Context, discoveryURL string) (*taxii.Discovery, error) {
	u, err := c.resolve(discoveryURL, "")
	if err != nil {
		return nil, err
	}
	var d taxii.Discovery
	if _, err := c.getJSON(ctx, u, &d); err != nil {
		return nil, err
	}
	kept := d.APIRoots[:0]
	for _, r := range d.APIRoots {
		if ru, err := c.resolve(u.String(), r); err != nil {
			c.log.Warn("taxii: API root on another address ignored", "root", r)
		} else {
			kept = append(kept, ru.String())
		}
	}
	d.APIRoots = kept
	return &d, nil
}

// APIRoot reads an API root's information.
func (c *Client) APIRoot(ctx context.Context, rootURL string) (*taxii.APIRoot, error) {
	u, err := c.resolve(dirURL(rootURL), "")
	if err != nil {
		return nil, err
	}
	var r taxii.APIRoot
	_, err = c.getJSON(ctx, u, &r)
	return &r, err
}

// Collections lists an API root's collections.
func (c *Client) Collections(ctx context.Context, rootURL string) ([]taxii.Collection, error) {
	u, err := c.resolve(dirURL(rootURL), "collections/")
	if err != nil {
		return nil, err
	}
	var cs taxii.Collections
	_, err = c.getJSON(ctx, u, &cs)
	return cs.Collections, err
}

// Collection reads one collection.
func (c *Client) Collection(ctx context.Context, rootURL, id string) (*taxii.Collection, error) {
	u, err := c.resolve(dirURL(rootURL), "collections/"+url.PathEscape(id)+"/")
	if err != nil {
		return nil, err
	}
	var col taxii.Collection
	_, err = c.getJSON(ctx, u, &col)
	return &col, err
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }
