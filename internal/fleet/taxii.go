package fleet

import (
	"encoding/json"
	"time"
)

// TAXIICollectionRequest is the body of POST /api/v1/taxii/collections.
// ID is generated (a UUID) when empty.
type TAXIICollectionRequest struct {
	ID          string `json:"id,omitempty"`
	Alias       string `json:"alias,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// TAXIIGrantRequest is the body of PUT
// /api/v1/taxii/collections/{id}/grants/{token}: what the token may do in
// the collection (all false removes the grant).
type TAXIIGrantRequest struct {
	Read   bool `json:"read"`
	Write  bool `json:"write"`
	Delete bool `json:"delete"`
}

// TAXIIPublishRequest is the body of POST
// /api/v1/taxii/collections/{id}/publish: exactly one of a forward trace
// (published as the STIX bundle `cascade trace --format stix` writes), a
// stored intel document's name (its indicators as STIX), or STIX objects.
type TAXIIPublishRequest struct {
	Trace   *TraceRequest     `json:"trace,omitempty"`
	Intel   string            `json:"intel,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// TAXIIObjectList is the answer of GET
// /api/v1/taxii/collections/{id}/objects: the newest version of each
// object, oldest added first, and the date_added to pass as after for the
// next page ("" when there is none).
type TAXIIObjectList struct {
	Objects []json.RawMessage `json:"objects"`
	Next    string            `json:"next,omitempty"`
}

// TAXIICollection is one collection the TAXII server offers.
type TAXIICollection struct {
	// ID is a UUID; Alias an optional unique short name.
	ID          string    `json:"id"`
	Alias       string    `json:"alias,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
}

// TAXIIGrant is what one API token may do in one collection. A grant with
// no right is no grant.
type TAXIIGrant struct {
	CollectionID string `json:"collection_id"`
	TokenID      int64  `json:"token_id"`
	Read         bool   `json:"read"`
	Write        bool   `json:"write"`
	Delete       bool   `json:"delete"`
}
