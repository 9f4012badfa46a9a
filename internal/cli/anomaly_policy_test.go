package cli

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/match"
)

// Every anomaly the code-signing collector can record has a scoring policy
// in the matcher (the two packages may not import each other).
func TestEveryAnomalyKindHasAPolicy(t *testing.T) {
	for _, k := range anomaly.Kinds {
		if _, ok := match.AnomalyPolicy(k); !ok {
			t.Errorf("anomaly kind %q has no policy in internal/match/anomaly.go", k)
		}
	}
}
