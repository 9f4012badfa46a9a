package yara

import (
	"context"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel/packs"
	"github.com/cascade-ir/cascade/internal/intel/packs/rulesfixtures"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// FuzzRulesetScan runs the built-in packs' rules (whose conditions
// follow offsets read from the file) over arbitrary data named by an
// arbitrary path, as a scan does: no panic, no hang, and every listed
// string match lies inside the data.
func FuzzRulesetScan(f *testing.F) {
	for _, fx := range rulesfixtures.All() {
		f.Add(fx.Name, fx.Data)
	}
	in, err := packs.Load()
	if err != nil {
		f.Fatal(err)
	}
	rs, err := FromIntel(in, time.Now())
	if err != nil || rs == nil {
		f.Fatalf("built-in rules: %v", err)
	}
	rs.Timeout = 2 * time.Second
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		ms, err := rs.Scan(context.Background(), data, &snapshot.File{Path: path, Type: snapshot.TypePE})
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Indicator == "" || len(m.Strings) > maxStringMatches {
				t.Fatalf("bad match record %+v", m)
			}
			for _, s := range m.Strings {
				if s.Offset < 0 || s.Offset+int64(s.Length) > int64(len(data)) {
					t.Fatalf("match %+v outside %d bytes", s, len(data))
				}
			}
		}
	})
}
