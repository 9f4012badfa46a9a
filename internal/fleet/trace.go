package fleet

// TraceSeed is where a trace starts: a node id and a time (RFC 3339 or a
// date). Forward, when the node was compromised (required, except for
// incident:ID, which stands for every host with an alert-level finding
// of the incident at its finding's time and takes none); backwards, when
// it was found compromised (default: the trace's time).
type TraceSeed struct {
	Node string `json:"node"`
	Time string `json:"time,omitempty"`
}

// TraceRequest is the body of POST /api/v1/trace: the options of
// `cascade trace`, over the graph the server derives from its store.
type TraceRequest struct {
	Seeds []TraceSeed `json:"seeds"`
	// At is the time the trace is made (default now; not in the future).
	At         string             `json:"at,omitempty"`
	MaxDepth   int                `json:"max_depth,omitempty"`
	Exclude    []string           `json:"exclude,omitempty"`
	Confidence map[string]float64 `json:"confidence,omitempty"`
	// Skew is a Go duration ("5m").
	Skew      string `json:"skew,omitempty"`
	Backwards bool   `json:"backwards,omitempty"`
	// Declared and Deliveries are the texts of declared-edge files (CSV,
	// or a JSON graph) and delivery lists (CSV or JSON), used for this
	// request only (a saved trace keeps them with its request); inputs
	// every trace reads are kept with POST /api/v1/trace/inputs.
	Declared   []string `json:"declared,omitempty"`
	Deliveries []string `json:"deliveries,omitempty"`
}

// HeaderTraceFound is "true" on a trace answer that reached something past
// its seeds (forward) or named a patient-zero candidate (backwards): the
// CLI's exit code 1.
const HeaderTraceFound = "Cascade-Trace-Found"
