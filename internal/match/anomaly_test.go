package match

import (
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestAnomalyPolicyCoversKinds: every anomaly kind a snapshot can carry has
// a scoring policy, and the policy names no kind that does not exist.
func TestAnomalyPolicyCoversKinds(t *testing.T) {
	for _, k := range snapshot.AnomalyKinds {
		if _, ok := AnomalyPolicy(k); !ok {
			t.Errorf("anomaly kind %q has no policy in anomaly.go", k)
		}
	}
	for k := range anomalyPolicy {
		if !slices.Contains(snapshot.AnomalyKinds, k) {
			t.Errorf("policy for %q, which is not in snapshot.AnomalyKinds", k)
		}
	}
}
