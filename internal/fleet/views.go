package fleet

import "time"

// TimelineEntry is one event in a host's history.
type TimelineEntry struct {
	At time.Time `json:"at"`
	// Kind is snapshot, installed, removed, finding or state.
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	FindingID string `json:"finding_id,omitempty"`
}

// IncidentDetail is an incident with the hosts it affects.
type IncidentDetail struct {
	Incident
	Hosts []AffectedHost `json:"hosts"`
}

// AffectedHost is one host's exposure to an incident: since when the
// evidence proves it (the earliest exposed_since of its findings, and
// which evidence), when cascade first and last saw the evidence there,
// whether it is there now, and the findings.
type AffectedHost struct {
	HostID       int64     `json:"host_id"`
	HostUID      string    `json:"host_uid"`
	Name         string    `json:"name"`
	ExposedSince time.Time `json:"exposed_since,omitzero"`
	ExposedBy    string    `json:"exposed_by,omitempty"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Present      bool      `json:"present"`
	Findings     []Finding `json:"findings"`
}

// FindingDetail is a finding with its evidence and triage history.
type FindingDetail struct {
	Finding  Finding        `json:"finding"`
	Evidence []Observation  `json:"evidence"`
	Events   []FindingEvent `json:"events"`
}

// IntelStatus lists the server's intel.
type IntelStatus struct {
	Version     int64          `json:"version"`
	Docs        []IntelDoc     `json:"docs"`
	Revocations []Revocation   `json:"revocations"`
	Counts      map[string]int `json:"counts"`
}

// Revocation is an indicator withdrawn server-wide.
type Revocation struct {
	Indicator string    `json:"indicator"`
	Reason    string    `json:"reason,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// HostList is a page of hosts.
type HostList struct {
	Hosts []Host `json:"hosts"`
	Total int    `json:"total"`
}

// FindingList is a page of findings.
type FindingList struct {
	Findings []Finding `json:"findings"`
	Total    int       `json:"total"`
}

// RevokeRequest is the body of POST /api/v1/intel/revocations.
type RevokeRequest struct {
	Indicator string `json:"indicator"`
	Reason    string `json:"reason,omitempty"`
}

// ImportResult answers POST /api/v1/imports, one entry per snapshot.
type ImportResult struct {
	Host   Host         `json:"host"`
	Result UploadResult `json:"result"`
}
