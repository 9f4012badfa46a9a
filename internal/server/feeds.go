package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/guard"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// FeedFetcher fetches feed URLs (an *http.Client).
type FeedFetcher interface {
	Do(*http.Request) (*http.Response, error)
}

// feeder imports intel from the watched folder and from polled URLs.
type feeder struct {
	s    *Server
	http FeedFetcher
	seen map[string]fileStamp // folder file → last imported stamp
	// mispPageSize and mispMaxPages change a MISP poll's page size (0:
	// the client's 100) and page cap (0: feedMaxPages) in tests.
	mispPageSize, mispMaxPages int
}

type fileStamp struct {
	size  int64
	mtime time.Time
}

func (f *feeder) loop(ctx context.Context) {
	t := time.NewTicker(f.s.cfg.PollEvery)
	defer t.Stop()
	for {
		f.pollOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollOnce imports changed folder files and every due feed.
func (f *feeder) pollOnce(ctx context.Context) {
	if f.s.cfg.IntelDir != "" {
		f.scanFolder(ctx)
	}
	for ctx.Err() == nil {
		feed, err := f.s.st.ClaimFeed(ctx, f.s.cfg.Owner, f.s.now(), 5*time.Minute)
		if err != nil || feed == nil {
			return
		}
		f.fetch(ctx, feed)
	}
}

// folderName is the document name of a file in the watched folder.
func folderName(file string) string { return "folder/" + file }

// scanFolder imports new and changed files and removes documents whose
// file is gone. A file that does not load is retried at the next poll.
func (f *feeder) scanFolder(ctx context.Context) {
	if f.seen == nil {
		f.seen = map[string]fileStamp{}
	}
	ents, err := os.ReadDir(f.s.cfg.IntelDir)
	if err != nil {
		f.s.log.Warn("intel folder", "dir", f.s.cfg.IntelDir, "err", err)
		return
	}
	present := map[string]bool{}
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		present[folderName(e.Name())] = true
		f.importFile(ctx, e.Name())
	}
	st, err := f.s.intel.current(ctx)
	if err != nil {
		return
	}
	for _, d := range st.docs {
		if d.Origin == "folder" && !present[d.Name] {
			if _, err := f.s.RemoveIntel(ctx, d.Name, "folder"); err != nil {
				f.s.log.Warn("remove intel of a deleted folder file", "doc", d.Name, "err", err)
			}
		}
	}
}

func (f *feeder) importFile(ctx context.Context, name string) {
	p := filepath.Join(f.s.cfg.IntelDir, name)
	info, err := os.Stat(p)
	if err != nil {
		return
	}
	stamp := fileStamp{info.Size(), info.ModTime()}
	if f.seen[name] == stamp {
		return
	}
	if info.Size() > f.s.cfg.MaxIntel {
		f.s.log.Warn("intel folder file too large", "file", p, "size", info.Size())
		f.seen[name] = stamp
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		f.s.log.Warn("intel folder file", "file", p, "err", err)
		return
	}
	res, err := f.s.ImportIntel(ctx, folderName(name), "folder", data, "folder")
	if err != nil {
		f.s.log.Warn("intel folder file not imported", "file", p, "err", err)
		return
	}
	f.seen[name] = stamp
	if res.Changed {
		f.s.log.Info("intel imported from folder", "file", p, "hunt", res.HuntID)
	}
}

// feedName is a feed's document name; it keeps the URL's file name so the
// loader can tell the format.
func feedName(feed *fleet.Feed) string {
	base := "feed"
	if u, err := url.Parse(feed.URL); err == nil && path.Base(u.Path) != "/" && path.Base(u.Path) != "." {
		base = path.Base(u.Path)
	}
	return fmt.Sprintf("feed-%d/%s", feed.ID, base)
}

// fetch polls one feed, imports what changed, sends sightings upstream
// when the feed's policy asks, and records the outcome. A failed poll is
// retried after an exponential back-off with jitter, bounded by the
// feed's interval; a poll cut short (page cap) resumes at once.
func (f *feeder) fetch(ctx context.Context, feed *fleet.Feed) {
	now := f.s.now()
	interval := time.Duration(feed.Interval)
	res := store.FeedResult{At: now, NextAt: now.Add(interval)}
	var err error
	switch {
	case feed.CredentialError != "":
		// Never polled without its credential: the poll fails, naming
		// the feed and why, until the right feed key is given.
		err = errors.New(feed.CredentialError)
	case feed.Kind == fleet.FeedTAXII:
		err = f.pollTAXII(ctx, feed, &res)
	case feed.Kind == fleet.FeedMISP:
		err = f.pollMISP(ctx, feed, &res)
	default:
		res.ETag, res.Modified, err = f.get(ctx, feed)
	}
	switch {
	case errors.Is(err, errResumeSoon):
		res.OK, res.NextAt = true, now.Add(feedResumeDelay)
		f.s.log.Warn("intel feed cut short; resuming", "feed", feed.ID, "url", feed.URL, "err", err)
	case err != nil:
		res.Err = err.Error()
		res.NextAt = now.Add(guard.Backoff(feed.Failures+1, feedRetryBase, max(interval, feedRetryBase)))
		f.s.log.Warn("intel feed", "feed", feed.ID, "url", feed.URL, "failures", feed.Failures+1, "retry_at", res.NextAt, "err", err)
	default:
		res.OK = true
	}
	if res.OK {
		if err := f.sightings(ctx, feed, &res); err != nil {
			f.s.log.Warn("sightings upstream", "feed", feed.ID, "url", feed.URL, "err", err)
		}
	}
	if err := f.s.st.FeedPolled(context.WithoutCancel(ctx), feed.ID, res); err != nil {
		f.s.log.Warn("record feed poll", "url", feed.URL, "err", err)
	}
}

// Feed retry timing: the first retry after about feedRetryBase, doubling
// up to the feed's interval; a poll cut short by a cap resumes after
// feedResumeDelay.
const (
	feedRetryBase   = 30 * time.Second
	feedResumeDelay = 10 * time.Second
	feedTimeout     = 2 * time.Minute
)

// errResumeSoon marks a poll that imported what it read but stopped at a
// cap: the next poll continues from the saved cursor.
var errResumeSoon = errors.New("feed poll stopped at a cap")

// client is the HTTP client of one url feed: the configured one in tests,
// else one that never follows a redirect off the feed's origin.
func (f *feeder) client(u *url.URL) (FeedFetcher, func()) {
	if f.http != nil {
		return f.http, func() {}
	}
	c := guard.Client(u, feedTimeout, nil)
	return c, c.CloseIdleConnections
}

func (f *feeder) get(ctx context.Context, feed *fleet.Feed) (etag, modified string, err error) {
	ctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	u, err := guard.CheckURL(feed.URL)
	if err != nil {
		return "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed.URL, nil)
	if err != nil {
		return "", "", err
	}
	if feed.ETag != "" {
		req.Header.Set("If-None-Match", feed.ETag)
	}
	if feed.Modified != "" {
		req.Header.Set("If-Modified-Since", feed.Modified)
	}
	setFeedAuth(req, feed.Secret)
	client, done := f.client(u)
	defer done()
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return feed.ETag, feed.Modified, nil
	case resp.StatusCode != http.StatusOK:
		return "", "", fmt.Errorf("GET %s: %s", feed.URL, resp.Status)
	}
	data, err := guard.ReadAll(resp.Body, f.s.cfg.MaxIntel)
	if err != nil {
		return "", "", fmt.Errorf("GET %s: %w", feed.URL, err)
	}
	r, err := f.s.ImportIntel(ctx, feedName(feed), feedOrigin(feed), data, "feed")
	if err != nil {
		return "", "", err
	}
	if r.Changed {
		f.s.log.Info("intel feed updated", "url", feed.URL, "hunt", r.HuntID)
	}
	return resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), nil
}

// setFeedAuth adds a url feed's credential to its request.
func setFeedAuth(req *http.Request, sec fleet.FeedSecret) {
	switch sec.Kind() {
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+sec.Token)
	case "basic":
		req.SetBasicAuth(sec.User, sec.Password)
	case "misp-key":
		req.Header.Set("Authorization", sec.Key)
	}
}

func feedOrigin(feed *fleet.Feed) string { return fmt.Sprintf("feed:%d", feed.ID) }

// AddFeed validates and stores a feed.
func (s *Server) AddFeed(ctx context.Context, req fleet.FeedRequest) (fleet.Feed, error) {
	kind := req.Kind
	if kind == "" {
		kind = fleet.FeedURL
	}
	if _, err := guard.CheckURL(req.URL); err != nil {
		return fleet.Feed{}, fmt.Errorf("%w: feed URL: %v", errBadIntel, err)
	}
	if err := checkFeedKind(kind, req); err != nil {
		return fleet.Feed{}, fmt.Errorf("%w: %v", errBadIntel, err)
	}
	every := time.Duration(req.Interval)
	if every <= 0 {
		every = time.Hour
	}
	every = max(every, time.Second)
	return s.st.AddFeed(ctx, fleet.Feed{Kind: kind, URL: req.URL, Collection: req.Collection, Secret: req.Secret,
		Policy: req.Policy, Interval: fleet.Duration(every), Created: s.now()})
}

// checkFeedKind checks what each kind needs and allows.
func checkFeedKind(kind string, req fleet.FeedRequest) error {
	sec, pol := req.Secret, req.Policy
	if sec.Token != "" && (sec.User != "" || sec.Password != "") || sec.Key != "" && (sec.Token != "" || sec.User != "" || sec.Password != "") {
		return errors.New("give one credential: user and password, a bearer token, or a MISP key")
	}
	switch kind {
	case fleet.FeedURL:
		if req.Collection != "" || pol != (fleet.FeedPolicy{}) {
			return errors.New("a url feed has no collection and sends nothing upstream")
		}
	case fleet.FeedTAXII:
		if req.Collection == "" || len(req.Collection) > 256 || strings.ContainsAny(req.Collection, "/?#") {
			return errors.New("a taxii feed needs its collection id")
		}
		if sec.Key != "" || pol.MISPSightings {
			return errors.New("a taxii feed takes basic or bearer credentials and TAXII sightings")
		}
	case fleet.FeedMISP:
		if sec.Key == "" {
			return errors.New("a misp feed needs the instance's auth key")
		}
		if req.Collection != "" || pol.SightingsCollection != "" {
			return errors.New("a misp feed has no collection; it sends sightings with misp_sightings")
		}
	default:
		return fmt.Errorf("feed kind %q: want url, taxii or misp", kind)
	}
	return nil
}
