package fleet

import "time"

// SavedTrace is a trace kept on the server under a name: its request, and
// the number of its latest result. The server recomputes it when a hunt
// or an upload adds a finding on a host it reached or may reach
// (docs/trace.md, "Retro-trace").
type SavedTrace struct {
	ID      int64        `json:"id"`
	Name    string       `json:"name"`
	Request TraceRequest `json:"request"`
	By      string       `json:"created_by,omitempty"`
	Created time.Time    `json:"created"`
	// Version is the number of the latest result (0: never computed).
	Version int64     `json:"version"`
	Updated time.Time `json:"updated,omitzero"`
	// PublishTo is a TAXII collection (id) of this server the trace's
	// derived intel is published into whenever its result changes;
	// "" publishes nothing.
	PublishTo string `json:"publish_to,omitempty"`
}

// SaveTraceRequest is the body of POST /api/v1/traces.
type SaveTraceRequest struct {
	Name string `json:"name"`
	// PublishTo names (by id or alias) a TAXII collection to publish the
	// trace's derived intel into, now and whenever it changes.
	PublishTo string `json:"publish_to,omitempty"`
	// Watch keeps a trace that cannot run yet (an incident no host has a
	// finding of): version 1 records why, and the first finding of the
	// incident computes it.
	Watch bool `json:"watch,omitempty"`
	TraceRequest
}

// TraceVersion is one computation of a saved trace: what it reached, and
// what changed since the version before.
type TraceVersion struct {
	TraceID int64     `json:"trace_id"`
	Version int64     `json:"version"`
	At      time.Time `json:"at"`
	// Reason says why it was computed: "saved", "recompute by NAME", or
	// "finding FID on host HOST (hunt 7)".
	Reason string `json:"reason"`
	// Error is set when the trace could not be computed (a seed that is
	// no longer a node); Result is then empty and Changes nil.
	Error   string        `json:"error,omitempty"`
	Result  TraceSummary  `json:"result"`
	Changes *TraceChanges `json:"changes,omitempty"`
}

// TraceSummary is what a saved trace keeps of a result: every node
// reached (or, backwards, every upstream candidate), and the hosts whose
// new findings make it worth recomputing.
type TraceSummary struct {
	Backwards bool        `json:"backwards,omitempty"`
	Nodes     []TraceNode `json:"nodes"`
	// Watch are the store ids of hosts reached or with an edge into a
	// reached node: a finding on one of them recomputes the trace.
	Watch []int64 `json:"watch,omitempty"`
	// Incidents are the incidents the seeds name (incident:NAME): a new
	// finding of one recomputes the trace.
	Incidents []string `json:"incidents,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// TraceNode is one node of a saved result.
type TraceNode struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name,omitempty"`
	Version    string    `json:"version,omitempty"`
	Time       time.Time `json:"earliest,omitzero"`
	Confidence float64   `json:"confidence"`
	Seed       bool      `json:"seed,omitempty"`
	Suspect    bool      `json:"suspect,omitempty"`
	// Via is the node the best path came from ("" for a seed).
	Via    string `json:"via,omitempty"`
	HostID int64  `json:"host_id,omitempty"`
}

// TraceChanges is what changed between two versions of a saved trace.
type TraceChanges struct {
	From         int64        `json:"from_version"`
	Added        []TraceNode  `json:"added,omitempty"`
	Removed      []TraceNode  `json:"removed,omitempty"`
	Earlier      []TraceShift `json:"earlier,omitempty"`
	Later        []TraceShift `json:"later,omitempty"`
	NewSuspects  []string     `json:"new_suspects,omitempty"`
	NewCustomers []string     `json:"new_customers,omitempty"`
}

// Empty reports whether nothing changed.
func (c *TraceChanges) Empty() bool {
	return c == nil || len(c.Added)+len(c.Removed)+len(c.Earlier)+len(c.Later) == 0
}

// TraceShift is a node reached at another time than before.
type TraceShift struct {
	Node string    `json:"node"`
	Was  time.Time `json:"was"`
	Now  time.Time `json:"now"`
}

// SavedTraceDetail is the answer of GET /api/v1/traces/{id}: the trace
// and its latest versions, newest first.
type SavedTraceDetail struct {
	SavedTrace
	Versions []TraceVersion `json:"versions"`
}

// RecomputeResult is the answer of POST /api/v1/traces/{id}/recompute:
// the latest version, and whether this computation stored it (false: the
// result had not changed).
type RecomputeResult struct {
	Changed bool         `json:"changed"`
	Version TraceVersion `json:"version"`
}

// Trace input kinds kept on the server.
const (
	InputDeclared   = "declared"   // declared edges: CSV, or a JSON graph file
	InputDeliveries = "deliveries" // a delivery list: CSV or JSON
	InputProvenance = "provenance" // SLSA provenance v1 (statements or DSSE envelopes)
	InputKey        = "provenance-key"
)

// TraceInputKinds lists the kinds in the order a trace loads them (the key
// first: the provenance needs it).
var TraceInputKinds = []string{InputKey, InputDeclared, InputDeliveries, InputProvenance}

// TraceInput is a file kept on the server that every trace reads.
type TraceInput struct {
	ID      int64     `json:"id"`
	Kind    string    `json:"kind"`
	Name    string    `json:"name"`
	SHA256  string    `json:"sha256"`
	Size    int       `json:"size"`
	By      string    `json:"created_by,omitempty"`
	Created time.Time `json:"created"`
	Content []byte    `json:"-"`
}

// TraceInputResult is the answer of POST /api/v1/trace/inputs: the input
// kept, and what the graph warns about with it (unverified attestations).
type TraceInputResult struct {
	Input    TraceInput `json:"input"`
	Warnings []string   `json:"warnings"`
}
