package cli

import (
	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/scan"
)

// addCollectors is the one place that chooses the concrete collectors.
func addCollectors(o *collect.Options) {}

// hostInfo names images of each OS from their own records.
func hostInfo() map[string]scan.HostInfoFunc { return map[string]scan.HostInfoFunc{} }
