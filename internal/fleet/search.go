package fleet

// SearchHit is one observation a fleet search found: the host, what
// matched (a path, product@version, domain, URL, IP or digest), and the
// observation with its interval and evidence.
type SearchHit struct {
	Observation
	HostUID  string `json:"host_uid"`
	HostName string `json:"host_name"`
	Matched  string `json:"matched"`
}

// SearchResult is one page of GET /api/v1/search.
type SearchResult struct {
	// Kind is the search kind, given or inferred from the query's shape.
	Kind string      `json:"kind"`
	Hits []SearchHit `json:"hits"`
	// Read is how many observations the page read; filters after the
	// index (a glob, a version range) may keep fewer.
	Read int `json:"read"`
	// Next is the cursor of the next page, empty when the search is done.
	Next string `json:"next,omitempty"`
}
