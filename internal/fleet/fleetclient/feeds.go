package fleetclient

import (
	"context"
	"fmt"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// AddFeed adds an intel feed (url, taxii or misp) to the server.
func (c *Client) AddFeed(ctx context.Context, req fleet.FeedRequest) (fleet.Feed, error) {
	var out fleet.Feed
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/feeds", body: body, ctype: "application/json"}, &out)
	return out, err
}

// Feeds lists the server's feeds (credentials shown only as their kind).
func (c *Client) Feeds(ctx context.Context) ([]fleet.Feed, error) {
	var out struct {
		Feeds []fleet.Feed `json:"feeds"`
	}
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/feeds"}, &out)
	return out.Feeds, err
}

// DeleteFeed removes a feed.
func (c *Client) DeleteFeed(ctx context.Context, id int64) error {
	return c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("%s/feeds/%d", fleet.APIVersion, id)}, nil)
}
