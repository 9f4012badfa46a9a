package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiiclient"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Bounds of one poll of a TAXII or MISP feed. The poll's budget and the
// sightings' together stay inside the feed lease (5 minutes), so no other
// replica takes the feed while it runs.
const (
	feedPollBudget     = 3 * time.Minute
	feedSightingBudget = time.Minute
	feedMaxPages       = 200
)

func feedDocName(feed *fleet.Feed) string {
	if feed.Kind == fleet.FeedMISP {
		return fmt.Sprintf("feed-%d/misp-events.json", feed.ID)
	}
	return fmt.Sprintf("feed-%d/taxii-%s.json", feed.ID, feed.Collection)
}

func (f *feeder) taxiiClient(feed *fleet.Feed) (*taxiiclient.Client, error) {
	return taxiiclient.New(feed.URL, taxiiclient.Options{
		Auth:    taxiiclient.Auth{User: feed.Secret.User, Password: feed.Secret.Password, Token: feed.Secret.Token},
		Timeout: feedTimeout, MaxBody: f.s.cfg.MaxIntel, Log: f.s.log})
}

// pollTAXII reads the collection's objects added since the feed's cursor
// and imports them merged into the feed's document. What was read before
// an error is imported and the cursor moves past it, so a restart or a
// retry resumes there.
func (f *feeder) pollTAXII(ctx context.Context, feed *fleet.Feed, res *store.FeedResult) error {
	ctx, cancel := context.WithTimeout(ctx, feedPollBudget)
	defer cancel()
	c, err := f.taxiiClient(feed)
	if err != nil {
		return err
	}
	defer c.Close()
	name := feedDocName(feed)
	doc := newFeedDoc("objects", stixKey, f.s.cfg.MaxIntel)
	stored, err := f.s.storedDoc(ctx, name)
	if err == nil {
		err = doc.load(stored)
	}
	if err != nil {
		return err
	}
	var fresh []json.RawMessage
	pr, perr := c.Pull(ctx, feed.URL, feed.Collection, taxiiclient.PullOptions{AddedAfter: feed.Cursor, MaxPages: feedMaxPages},
		func(objs []json.RawMessage) error {
			fresh = append(fresh, objs...)
			return doc.add(objs)
		})
	if len(fresh) > 0 && !errors.Is(perr, errFeedDocFull) {
		if err := f.importFeedDoc(ctx, name, feedOrigin(feed), doc, fresh); err != nil {
			return errors.Join(perr, err)
		}
	}
	if !errors.Is(perr, errFeedDocFull) && pr.Cursor != feed.Cursor {
		res.Cursor = pr.Cursor
	}
	if pr.Skipped > 0 {
		f.s.log.Warn("taxii feed: malformed objects skipped", "feed", feed.ID, "count", pr.Skipped)
	}
	if errors.Is(perr, taxiiclient.ErrPageCap) {
		return fmt.Errorf("%w: %v", errResumeSoon, perr)
	}
	return perr
}
