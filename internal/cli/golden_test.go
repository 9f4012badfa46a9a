package cli

import (
	"flag"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// update rewrites golden files instead of comparing: go test -update.
var update = flag.Bool("update", false, "rewrite golden files")

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	testutil.Golden(t, path, got, *update)
}
