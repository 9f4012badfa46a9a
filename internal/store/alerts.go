package store

import (
	"context"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// Alerts keeps alert sinks and the outbox of deliveries to them. The
// store queues a delivery for every sink a finding qualifies for in the
// transaction that raises or revives the finding (ingest and hunt
// commits alike); a worker claims due deliveries under a lease, sends
// them and records each attempt.
type Alerts interface {
	// AddAlertSink stores a new sink (ErrExists for a taken name).
	AddAlertSink(ctx context.Context, s fleet.AlertSink, now time.Time) (fleet.AlertSink, error)
	// AlertSinks lists the sinks with their secrets and queue counts.
	AlertSinks(ctx context.Context) ([]fleet.AlertSink, error)
	// AlertSinkConfigs lists the sinks with their secrets, without the
	// queue counts.
	AlertSinkConfigs(ctx context.Context) ([]fleet.AlertSink, error)
	// FindingsByID returns the listed findings that exist, by id, in one
	// query per chunk (a delivery round renders its batch at once).
	FindingsByID(ctx context.Context, ids []string) (map[string]fleet.Finding, error)
	// DeleteAlertSink removes a sink and its deliveries.
	DeleteAlertSink(ctx context.Context, id int64) error
	// ClaimDeliveries leases up to limit pending deliveries that are due
	// and that no live lease holds, oldest first.
	ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]fleet.AlertDelivery, error)
	// FinishDelivery records one attempt of a claimed delivery and its
	// next state; ErrConflict when the lease was lost.
	FinishDelivery(ctx context.Context, r DeliveryResult) error
	// FinishDeliveries records many attempts in one transaction; the
	// result holds, per input, nil or the reason it was not recorded
	// (ErrConflict when its lease was lost). err is for the whole batch.
	FinishDeliveries(ctx context.Context, rs []DeliveryResult) ([]error, error)
	// Deliveries lists deliveries, newest first, with their attempts.
	Deliveries(ctx context.Context, q DeliveryQuery) ([]fleet.AlertDelivery, error)
	// RetryDelivery puts a dead delivery back in the queue, due now.
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	ID    int64
	Owner string
	At    time.Time
	// Err is "" when the sink accepted the alert.
	Err string
	// Dead moves a failed delivery to the dead letters; otherwise it is
	// retried at NextAt.
	Dead   bool
	NextAt time.Time
}

// DeliveryQuery filters a delivery listing.
type DeliveryQuery struct {
	State  string
	SinkID int64
	Limit  int
}
