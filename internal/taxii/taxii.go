// Package taxii holds the TAXII 2.1 wire model (OASIS TAXII Version 2.1,
// Committee Specification 01 / OASIS Standard, 2021): the resources a TAXII
// server answers with and a TAXII client reads. It is a leaf: the server in
// internal/server and the feed client both speak through these types, so the
// two ends cannot drift apart.
package taxii

import (
	"encoding/json"
	"time"
)

// Media types (TAXII 2.1 §1.6.8). A request's Accept and Content-Type carry
// them; the version parameter is mandatory on responses.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// Headers a server sets on object and manifest responses (§3.4, §5.3–5.6).
const (
	HeaderDateAddedFirst = "X-TAXII-Date-Added-First"
	HeaderDateAddedLast  = "X-TAXII-Date-Added-Last"
)

// TimeLayout is the timestamp format TAXII uses: RFC 3339 in UTC with
// exactly microsecond precision recommended for date_added and the
// X-TAXII-Date-Added headers (§3.1), so added_after round-trips exactly.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t in TimeLayout (UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime accepts any RFC 3339 timestamp (clients send other precisions).
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// Discovery is the server's discovery resource (§4.1).
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRoot describes one API root (§4.2).
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is one collection resource (§5.2).
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Collections is the list of collections an API root offers (§5.1).
type Collections struct {
	Collections []Collection `json:"collections,omitempty"`
}

// Envelope carries objects in both directions (§3.7): GET objects answers
// with one, POST objects sends one.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// ManifestRecord describes one object version without its content (§5.3).
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Manifest is a page of manifest records (§5.3).
type Manifest struct {
	More    bool             `json:"more,omitempty"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// Versions lists the versions of one object (§5.8).
type Versions struct {
	More     bool     `json:"more,omitempty"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// Status states of a status resource (§4.3).
const (
	StatusPending  = "pending"
	StatusComplete = "complete"
)

// StatusDetail names one object of an add request and what became of it.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// Status reports an add request (§4.3).
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// Error is the error message resource every failing request answers with
// (§3.6.1).
type Error struct {
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	ErrorID         string            `json:"error_id,omitempty"`
	ErrorCode       string            `json:"error_code,omitempty"`
	HTTPStatus      string            `json:"http_status,omitempty"`
	ExternalDetails string            `json:"external_details,omitempty"`
	Details         map[string]string `json:"details,omitempty"`
}

func (e *Error) Error() string {
	if e.Description != "" {
		return e.Title + ": " + e.Description
	}
	return e.Title
}
