package fleet

// SearchHit is one observation a fleet search found: the host, what
// matched (a path, product@version, domain, URL, IP or digest), and the
// observation with its interval and evidence.
type SearchHit struct {
	Observation
	HostUID  string `json:"host_uid"`
	HostName string `json:"host_name"`
	Matched  string `json:"matched"`
	// Evidence says what kind of record matched: "file", "software", or
	// an artifact's kind ("amcache-file", "dns-cache", …). A digest
	// search finds files by their content and execution evidence by the
	// digest it recorded (Amcache's SHA-1), whose file may be gone.
	Evidence string `json:"evidence"`
}

// EvidenceOf names the kind of record an observation is (SearchHit.Evidence).
func EvidenceOf(o Observation) string {
	if o.Artifact != nil {
		return o.Artifact.Kind
	}
	return o.Kind
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
