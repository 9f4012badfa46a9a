package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

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
}

type fileStamp struct {
	size  int64
	mtime time.Time
}

func (f *feeder) loop(ctx context.Context) {
	if f.http == nil {
		f.http = &http.Client{Timeout: 2 * time.Minute}
	}
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

// fetch polls one feed and imports what changed.
func (f *feeder) fetch(ctx context.Context, feed *fleet.Feed) {
	now := f.s.now()
	res := store.FeedResult{At: now, NextAt: now.Add(time.Duration(feed.Interval))}
	etag, modified, err := f.get(ctx, feed)
	if err != nil {
		res.Err = err.Error()
		res.NextAt = now.Add(min(time.Duration(feed.Interval), 5*time.Minute))
		f.s.log.Warn("intel feed", "url", feed.URL, "err", err)
	} else {
		res.OK, res.ETag, res.Modified = true, etag, modified
	}
	if err := f.s.st.FeedPolled(context.WithoutCancel(ctx), feed.ID, res); err != nil {
		f.s.log.Warn("record feed poll", "url", feed.URL, "err", err)
	}
}

func (f *feeder) get(ctx context.Context, feed *fleet.Feed) (etag, modified string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
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
	resp, err := f.http.Do(req)
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
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.s.cfg.MaxIntel+1))
	if err != nil {
		return "", "", fmt.Errorf("GET %s: %w", feed.URL, err)
	}
	if int64(len(data)) > f.s.cfg.MaxIntel {
		return "", "", fmt.Errorf("GET %s: larger than %d bytes", feed.URL, f.s.cfg.MaxIntel)
	}
	r, err := f.s.ImportIntel(ctx, feedName(feed), fmt.Sprintf("feed:%d", feed.ID), data, "feed")
	if err != nil {
		return "", "", err
	}
	if r.Changed {
		f.s.log.Info("intel feed updated", "url", feed.URL, "hunt", r.HuntID)
	}
	return resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), nil
}

// AddFeed validates and stores a feed URL.
func (s *Server) AddFeed(ctx context.Context, raw string, every time.Duration) (fleet.Feed, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fleet.Feed{}, fmt.Errorf("%w: feed URL must be http(s)://host/…", errBadIntel)
	}
	if every <= 0 {
		every = time.Hour
	}
	every = max(every, time.Second)
	return s.st.AddFeed(ctx, fleet.Feed{URL: u.String(), Interval: fleet.Duration(every), Created: s.now()})
}
