package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/cascade-ir/cascade/internal/feedclient/mispclient"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func (f *feeder) mispClient(feed *fleet.Feed) (*mispclient.Client, error) {
	return mispclient.New(feed.URL, mispclient.Options{Key: feed.Secret.Key, Timeout: feedTimeout, MaxBody: f.s.cfg.MaxIntel})
}

// pollMISP searches the instance for published events changed since the
// feed's cursor (the newest event timestamp seen) and imports them merged
// into the feed's document, a newer version of an event replacing the
// older.
func (f *feeder) pollMISP(ctx context.Context, feed *fleet.Feed, res *store.FeedResult) error {
	ctx, cancel := context.WithTimeout(ctx, feedPollBudget)
	defer cancel()
	c, err := f.mispClient(feed)
	if err != nil {
		return err
	}
	defer c.Close()
	since, _ := strconv.ParseInt(feed.Cursor, 10, 64)
	name := feedDocName(feed)
	doc := newFeedDoc("response", mispKey, f.s.cfg.MaxIntel)
	stored, err := f.s.storedDoc(ctx, name)
	if err == nil {
		err = doc.load(stored)
	}
	if err != nil {
		return err
	}
	var fresh []json.RawMessage
	pr, perr := c.Events(ctx, mispclient.SearchOptions{Since: since, MaxPages: feedMaxPages}, func(evs []json.RawMessage) error {
		fresh = append(fresh, evs...)
		return doc.add(evs)
	})
	if len(fresh) > 0 && !errors.Is(perr, errFeedDocFull) {
		if err := f.importFeedDoc(ctx, name, feedOrigin(feed), doc, fresh); err != nil {
			return errors.Join(perr, err)
		}
		if pr.Latest > since && (perr == nil || errors.Is(perr, mispclient.ErrPageCap)) {
			res.Cursor = strconv.FormatInt(pr.Latest, 10)
		}
	}
	if errors.Is(perr, mispclient.ErrPageCap) {
		return fmt.Errorf("%w: %v", errResumeSoon, perr)
	}
	return perr
}
