package fleetclient

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// CreateYARAHunt pushes a YARA rule set to hosts (admin).
func (c *Client) CreateYARAHunt(ctx context.Context, req fleet.YARAHuntCreate) (fleet.YARAHunt, error) {
	var out fleet.YARAHunt
	body, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/yara-hunts", body: body, ctype: "application/json"}, &out)
	return out, err
}

// YARAHunts lists YARA hunts, newest first, with their counts.
func (c *Client) YARAHunts(ctx context.Context, limit int) ([]fleet.YARAHunt, error) {
	var out struct {
		Hunts []fleet.YARAHunt `json:"yara_hunts"`
	}
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/yara-hunts", query: q}, &out)
	return out.Hunts, err
}

// YARAHunt returns a YARA hunt with every asked host's progress.
func (c *Client) YARAHunt(ctx context.Context, id int64) (fleet.YARAHunt, error) {
	var out fleet.YARAHunt
	err := c.do(ctx, request{method: "GET", path: fmt.Sprintf("%s/yara-hunts/%d", fleet.APIVersion, id)}, &out)
	return out, err
}

// CancelYARAHunt stops a YARA hunt being handed out (admin).
func (c *Client) CancelYARAHunt(ctx context.Context, id int64) error {
	return c.Delete(ctx, fmt.Sprintf("%s/yara-hunts/%d", fleet.APIVersion, id))
}

// ServerKey fetches the server's hunt-signing key (agent).
func (c *Client) ServerKey(ctx context.Context) (fleet.ServerKeyResponse, error) {
	var out fleet.ServerKeyResponse
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/agent/server-key"}, &out)
	return out, err
}

// PendingYARAHunts fetches the agent's pending hunt (at most one).
func (c *Client) PendingYARAHunts(ctx context.Context) ([]fleet.YARAHuntRequest, error) {
	var out fleet.YARAHuntRequests
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/agent/yara-hunts"}, &out)
	return out.Hunts, err
}

// YARAHuntResult reports the agent's result for a hunt.
func (c *Client) YARAHuntResult(ctx context.Context, id int64, res *fleet.YARAHuntResult) error {
	body, err := jsonBody(res)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: "POST", path: fmt.Sprintf("%s/agent/yara-hunts/%d/result", fleet.APIVersion, id),
		body: body, ctype: "application/json"}, nil)
}
