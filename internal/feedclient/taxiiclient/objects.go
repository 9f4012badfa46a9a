package taxiiclient

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// Paging failures. A pull that ends with one of them still reports what
// it read and where to resume.
var (
	ErrPagingLoop = errors.New("taxii: server repeated a next cursor (paging loop)")
	ErrNoProgress = errors.New("taxii: server says more but pages make no progress")
	ErrPageCap    = errors.New("taxii: page cap reached; the rest comes at the next poll")
)

// Defaults of a pull.
const (
	DefaultLimit    = 1000
	DefaultMaxPages = 1000
	maxNextLen      = 4096
	maxEmptyPages   = 3
)

// PullOptions select what a pull reads.
type PullOptions struct {
	// AddedAfter resumes after this date_added (a previous Cursor); ""
	// reads the collection from its start.
	AddedAfter string
	Limit      int // objects per page requested (default 1000)
	MaxPages   int // pages per pull (default 1000)
}

// PullResult says what a pull read and where the next one resumes.
type PullResult struct {
	Objects int // handed to the page function
	Skipped int // malformed objects dropped (no type or id)
	Pages   int
	// Cursor is the newest X-TAXII-Date-Added-Last of the pages handed
	// over: the next pull's AddedAfter. It stays at opt.AddedAfter when the
	// server sends none.
	Cursor string
}

// Pull reads a collection's objects page by page, handing each page's
// well-formed objects to page before asking for the next. It follows
// next while the server says more, falling back to added_after when the
// server sends more without next. It stops, with an error and the result
// so far, on a repeated next that brings a page already seen, pages that make no progress, the page cap, a
// malformed envelope, or page's error.
func (c *Client) Pull(ctx context.Context, rootURL, collection string, opt PullOptions, page func([]json.RawMessage) error) (PullResult, error) {
	res := PullResult{Cursor: opt.AddedAfter}
	opt = pullDefaults(opt)
	u, err := c.resolve(dirURL(rootURL), "collections/"+url.PathEscape(collection)+"/objects/")
	if err != nil {
		return res, err
	}
	// Tokens and pages seen: a server may hand the same next token for
	// every page of one listing (medallion, the OASIS reference server,
	// does), so a repeated token is a loop only when it brings a page
	// already delivered. Both sets are bounded by MaxPages.
	seen := map[string]bool{}
	pages := map[[32]byte]bool{}
	next, after, empty := "", opt.AddedAfter, 0
	for {
		if res.Pages >= opt.MaxPages {
			return res, fmt.Errorf("%w (%d pages)", ErrPageCap, opt.MaxPages)
		}
		env, last, err := c.objectsPage(ctx, u, after, next, opt.Limit)
		if err != nil {
			return res, err
		}
		res.Pages++
		h := sha256.New()
		for _, o := range env.Objects {
			h.Write(o)
			h.Write([]byte{0})
		}
		var sum [32]byte
		h.Sum(sum[:0])
		repeated := pages[sum]
		pages[sum] = true
		objs, skipped := wellFormed(env.Objects)
		res.Skipped += skipped
		if skipped > 0 {
			c.log.Warn("taxii: malformed objects skipped", "collection", collection, "count", skipped)
		}
		if len(objs) > 0 {
			if err := page(objs); err != nil {
				return res, err
			}
			res.Objects += len(objs)
		}
		advanced := later(last, res.Cursor)
		if advanced {
			res.Cursor = last
		}
		if !env.More {
			return res, nil
		}
		if len(env.Objects) == 0 {
			if empty++; empty >= maxEmptyPages {
				return res, ErrNoProgress
			}
		} else {
			empty = 0
		}
		switch {
		case env.Next != "":
			if seen[env.Next] && repeated {
				return res, fmt.Errorf("%w: %.64q", ErrPagingLoop, env.Next)
			}
			if len(env.Next) > maxNextLen {
				return res, fmt.Errorf("taxii: next cursor of %d bytes refused", len(env.Next))
			}
			seen[env.Next] = true
			next = env.Next
		case advanced:
			next, after = "", res.Cursor
		default:
			return res, ErrNoProgress
		}
	}
}

func pullDefaults(o PullOptions) PullOptions {
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	return o
}

// objectsPage GETs one page of objects.
func (c *Client) objectsPage(ctx context.Context, u *url.URL, after, next string, limit int) (*taxii.Envelope, string, error) {
	q := url.Values{}
	if after != "" {
		q.Set("added_after", after)
	}
	if next != "" {
		q.Set("next", next)
	}
	q.Set("limit", strconv.Itoa(limit))
	pu := *u
	pu.RawQuery = q.Encode()
	var env taxii.Envelope
	resp, err := c.getJSON(ctx, &pu, &env)
	if err != nil {
		return nil, "", err
	}
	last := resp.Header.Get(taxii.HeaderDateAddedLast)
	if last != "" {
		if _, err := taxii.ParseTime(last); err != nil {
			c.log.Warn("taxii: bad "+taxii.HeaderDateAddedLast+" ignored", "value", fmt.Sprintf("%.64q", last))
			last = ""
		}
	}
	return &env, last, nil
}

// later reports whether timestamp a is after b ("" is the beginning).
func later(a, b string) bool {
	if a == "" {
		return false
	}
	ta, err := taxii.ParseTime(a)
	if err != nil {
		return false
	}
	if b == "" {
		return true
	}
	tb, err := taxii.ParseTime(b)
	return err != nil || ta.After(tb)
}

// wellFormed keeps the objects that are JSON objects with a string type
// and id, as every STIX object has.
func wellFormed(in []json.RawMessage) ([]json.RawMessage, int) {
	out := in[:0]
	skipped := 0
	for _, o := range in {
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if json.Unmarshal(o, &head) != nil || head.Type == "" || head.ID == "" {
			skipped++
			continue
		}
		out = append(out, o)
	}
	return out, skipped
}

// Add posts objects to a collection in one envelope and returns the status
// resource the server answers with.
func (c *Client) Add(ctx context.Context, rootURL, collection string, objects []json.RawMessage) (*taxii.Status, error) {
	u, err := c.resolve(dirURL(rootURL), "collections/"+url.PathEscape(collection)+"/objects/")
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(taxii.Envelope{Objects: objects})
	if err != nil {
		return nil, err
	}
	data, _, err := c.do(ctx, http.MethodPost, u, taxii.MediaTAXII, body, taxii.MediaTAXII)
	if err != nil {
		return nil, err
	}
	var st taxii.Status
	if err := decodeStrict(data, &st); err != nil || st.ID == "" {
		return nil, fmt.Errorf("taxii: POST %s: malformed status resource: %v", u.Redacted(), err)
	}
	return &st, nil
}

// Status reads a status resource.
func (c *Client) Status(ctx context.Context, rootURL, id string) (*taxii.Status, error) {
	u, err := c.resolve(dirURL(rootURL), "status/"+url.PathEscape(id)+"/")
	if err != nil {
		return nil, err
	}
	var st taxii.Status
	_, err = c.getJSON(ctx, u, &st)
	return &st, err
}

// AddAndWait adds objects and follows the status resource until it is
// complete, polling every interval, for at most maxPolls reads.
func (c *Client) AddAndWait(ctx context.Context, rootURL, collection string, objects []json.RawMessage, interval time.Duration, maxPolls int) (*taxii.Status, error) {
	st, err := c.Add(ctx, rootURL, collection, objects)
	for i := 0; err == nil && st.Status != taxii.StatusComplete; i++ {
		if i >= maxPolls {
			return st, fmt.Errorf("taxii: status %s still %s after %d reads", st.ID, st.Status, maxPolls)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(interval):
		}
		id := st.ID
		st, err = c.Status(ctx, rootURL, id)
	}
	if err == nil && st.FailureCount > 0 {
		err = fmt.Errorf("taxii: %d of %d objects refused", st.FailureCount, st.TotalCount)
	}
	return st, err
}
