package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/feedclient/mispclient"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func (f *feeder) mispClient(feed *fleet.Feed) (*mispclient.Client, error) {
	return mispclient.New(feed.URL, mispclient.Options{Key: feed.Secret.Key, Timeout: feedTimeout, MaxBody: f.s.cfg.MaxIntel})
}

// mispWalk is where a MISP pull resumes, kept in the feed's cursor. A
// walk pages through every event changed since Since; one poll reads at
// most feedMaxPages pages of it and the next poll continues at Page with
// the same Since (the cursor "since,page,latest"). Once a walk reaches its
// last page the cursor becomes Latest, the newest event timestamp of the
// whole walk (the cursor "latest"), where the next walk starts.
type mispWalk struct {
	Since, Latest int64
	Page          int // 0: no walk under way
}

func parseMISPCursor(c string) mispWalk {
	var w mispWalk
	if since, rest, ok := strings.Cut(c, ","); ok {
		page, latest, _ := strings.Cut(rest, ",")
		w.Since, _ = strconv.ParseInt(since, 10, 64)
		w.Page, _ = strconv.Atoi(page)
		w.Latest, _ = strconv.ParseInt(latest, 10, 64)
		if w.Page < 1 {
			w.Page = 0
		}
	} else {
		w.Since, _ = strconv.ParseInt(c, 10, 64)
	}
	w.Latest = max(w.Latest, w.Since)
	return w
}

func (w mispWalk) String() string {
	if w.Page == 0 {
		return strconv.FormatInt(w.Latest, 10)
	}
	return fmt.Sprintf("%d,%d,%d", w.Since, w.Page, w.Latest)
}

// pollMISP searches the instance for published events changed since the
// feed's cursor and imports them merged into the feed's document, a newer
// version of an event replacing the older. A large instance takes several
// polls: each reads at most feedMaxPages pages and saves the page it got
// to, so the next poll (soon after) or a restarted server continues the
// same walk. The walk resumes one page early: an event deleted meanwhile
// shifts the later ones back a place, and rereading a page (merged by
// event UUID) costs less than missing one.
func (f *feeder) pollMISP(ctx context.Context, feed *fleet.Feed, res *store.FeedResult) error {
	ctx, cancel := context.WithTimeout(ctx, feedPollBudget)
	defer cancel()
	c, err := f.mispClient(feed)
	if err != nil {
		return err
	}
	defer c.Close()
	walk := parseMISPCursor(feed.Cursor)
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
	opt := mispclient.SearchOptions{Since: walk.Since, MaxPages: cmp.Or(f.mispMaxPages, feedMaxPages), Limit: f.mispPageSize,
		Page: max(walk.Page-1, 1)}
	pr, perr := c.Events(ctx, opt, func(evs []json.RawMessage) error {
		fresh = append(fresh, evs...)
		return doc.add(evs)
	})
	if errors.Is(perr, errFeedDocFull) {
		return perr
	}
	if len(fresh) > 0 {
		if err := f.importFeedDoc(ctx, name, feedOrigin(feed), doc, fresh); err != nil {
			return errors.Join(perr, err)
		}
	}
	next := mispWalk{Since: walk.Since, Latest: max(walk.Latest, pr.Latest)}
	switch {
	case perr == nil:
		next.Page = 0 // the walk is done
	case pr.NextPage > opt.Page:
		next.Page = pr.NextPage // some pages were read: continue after them
	default:
		next = walk // nothing read: the same place again
	}
	if c := next.String(); c != feed.Cursor {
		res.Cursor = c
	}
	if errors.Is(perr, mispclient.ErrPageCap) {
		return fmt.Errorf("%w: %v", errResumeSoon, perr)
	}
	return perr
}
