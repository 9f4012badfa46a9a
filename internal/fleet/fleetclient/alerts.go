package fleetclient

import (
	"context"
	"fmt"
	"net/url"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// AddAlertSink configures an alert sink; the answer carries no secret.
func (c *Client) AddAlertSink(ctx context.Context, k fleet.AlertSink) (fleet.AlertSink, error) {
	var out fleet.AlertSink
	body, err := jsonBody(k)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, request{method: "POST", path: fleet.APIVersion + "/alerts/sinks", body: body, ctype: "application/json"}, &out)
	return out, err
}

// AlertSinks lists the alert sinks.
func (c *Client) AlertSinks(ctx context.Context) ([]fleet.AlertSink, error) {
	var out []fleet.AlertSink
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/alerts/sinks"}, &out)
	return out, err
}

// DeleteAlertSink removes an alert sink and its queue.
func (c *Client) DeleteAlertSink(ctx context.Context, id int64) error {
	return c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("%s/alerts/sinks/%d", fleet.APIVersion, id)}, nil)
}

// AlertDeliveries lists deliveries in a state ("" for all).
func (c *Client) AlertDeliveries(ctx context.Context, state string, limit int) ([]fleet.AlertDelivery, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	var out []fleet.AlertDelivery
	err := c.do(ctx, request{method: "GET", path: fleet.APIVersion + "/alerts/deliveries", query: q}, &out)
	return out, err
}

// RetryAlertDelivery puts a dead delivery back in the queue.
func (c *Client) RetryAlertDelivery(ctx context.Context, id int64) error {
	return c.do(ctx, request{method: "POST", path: fmt.Sprintf("%s/alerts/deliveries/%d/retry", fleet.APIVersion, id)}, nil)
}
