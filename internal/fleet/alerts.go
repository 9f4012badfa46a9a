package fleet

import "time"

// Alert sink kinds.
const (
	SinkWebhook = "webhook"
	SinkSyslog  = "syslog"
	SinkSMTP    = "smtp"
)

// Alert delivery states.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryDead    = "dead"
)

// AlertSink is where alerts about findings go. Secret (the webhook's HMAC
// key, the SMTP password) is write-only: the API never returns it, and
// HasSecret says whether one is set.
type AlertSink struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Kind is webhook, syslog or smtp.
	Kind string `json:"kind"`
	// Destination: the webhook's https URL; syslog's "tcp://host:port" or
	// "udp://host:port"; smtp's "smtp://[user@]relay:port?to=a@b,c@d&from=x@y".
	Destination string `json:"destination"`
	// Format is syslog's "rfc5424" (default) or "cef".
	Format string `json:"format,omitempty"`
	// MinScore and MinLevel: a finding alerts when its score is at least
	// MinScore and its level at least MinLevel (info, notice, warning,
	// alert; "" for any).
	MinScore int    `json:"min_score,omitempty"`
	MinLevel string `json:"min_level,omitempty"`
	// Incident, when set, keeps only findings of that incident.
	Incident  string `json:"incident,omitempty"`
	Secret    string `json:"secret,omitempty"`
	HasSecret bool   `json:"has_secret"`
	// MaxQueue bounds the sink's pending deliveries; findings beyond it
	// are counted in Overflow and not queued.
	MaxQueue  int       `json:"max_queue,omitempty"`
	Overflow  int64     `json:"overflow"`
	Pending   int       `json:"pending"`
	Dead      int       `json:"dead"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// AlertDelivery is one finding to send to one sink.
type AlertDelivery struct {
	ID        int64  `json:"id"`
	SinkID    int64  `json:"sink_id"`
	SinkName  string `json:"sink_name,omitempty"`
	FindingID string `json:"finding_id"`
	// Event is "new" (the finding was raised) or "revived" (it came back:
	// un-retracted or reopened).
	Event     string         `json:"event"`
	State     string         `json:"state"`
	Attempts  int            `json:"attempts"`
	Created   time.Time      `json:"created"`
	NextAt    time.Time      `json:"next_at,omitzero"`
	LastAt    time.Time      `json:"last_at,omitzero"`
	LastError string         `json:"last_error,omitempty"`
	History   []AlertAttempt `json:"history,omitempty"`
}

// AlertAttempt is one try at sending a delivery.
type AlertAttempt struct {
	At    time.Time `json:"at"`
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
}

// LevelRank orders finding levels for alert thresholds: "" and unknown
// levels rank 0.
func LevelRank(level string) int {
	switch level {
	case "info":
		return 1
	case "notice":
		return 2
	case "warning":
		return 3
	case "alert":
		return 4
	}
	return 0
}
