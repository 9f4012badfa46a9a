// Package alert sends alerts about findings to the places responders
// watch: a signed webhook, syslog (RFC 5424 or CEF, over TCP or UDP) and
// e-mail through an SMTP relay. Every send has a deadline, so a sink that
// hangs costs its own delivery a timeout and nothing else. The package
// knows nothing of the fleet: the server turns a finding into an Alert.
package alert

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Alert is one finding to tell a sink about.
type Alert struct {
	// DeliveryID identifies the delivery: a receiver drops repeats of it
	// (a delivery whose answer was lost is sent again).
	DeliveryID int64  `json:"delivery_id"`
	FindingID  string `json:"finding_id"`
	// Event is "new" or "revived".
	Event        string    `json:"event"`
	Host         string    `json:"host"`
	HostName     string    `json:"host_name,omitempty"`
	Title        string    `json:"title"`
	Score        int       `json:"score"`
	Level        string    `json:"level"`
	Incident     string    `json:"incident,omitempty"`
	IncidentName string    `json:"incident_name,omitempty"`
	Reasons      []Reason  `json:"reasons,omitempty"`
	Evidence     string    `json:"evidence,omitempty"`
	DetectedAt   time.Time `json:"detected_at"`
	// Link is the finding's page on the server (empty when the server's
	// public URL is unknown).
	Link string `json:"link,omitempty"`
}

// Reason is why the finding scored.
type Reason struct {
	Kind      string `json:"kind"`
	Indicator string `json:"indicator,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Score     int    `json:"score"`
}

// Sender delivers alerts to one sink.
type Sender interface {
	Send(ctx context.Context, a *Alert) error
}

// DefaultTimeout bounds one send when the caller's context has no
// earlier deadline.
const DefaultTimeout = 10 * time.Second

// withTimeout applies d (DefaultTimeout when 0) to ctx.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

// severity maps a finding level to a syslog severity (RFC 5424 §6.2.1).
func severity(level string) int {
	switch level {
	case "alert":
		return 1
	case "warning":
		return 4
	case "notice":
		return 5
	}
	return 6
}

// summary is a one-line description of an alert.
func (a *Alert) summary() string {
	host := a.HostName
	if host == "" {
		host = a.Host
	}
	s := fmt.Sprintf("%s finding on %s: %s (score %d)", a.Level, host, a.Title, a.Score)
	if a.Incident != "" {
		s += " incident " + a.Incident
	}
	return oneLine(s)
}

// oneLine replaces control characters (a finding's title comes from a
// scanned machine) with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
