package reach

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func sortArtifacts(as []snapshot.Artifact) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		return a.Kind+a.Source+a.Name+a.Host < b.Kind+b.Source+b.Name+b.Host
	})
}

func dump(as []snapshot.Artifact) string {
	var b strings.Builder
	for _, a := range as {
		j, _ := json.Marshal(a)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}
