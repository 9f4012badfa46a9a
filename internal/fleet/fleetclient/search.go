package fleetclient

import (
	"context"
	"net/url"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// Search runs one page of a fleet search (q: q, kind, from, to, limit,
// cursor).
func (c *Client) Search(ctx context.Context, q url.Values) (fleet.SearchResult, error) {
	var out fleet.SearchResult
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/search", query: q}, &out)
	return out, err
}
