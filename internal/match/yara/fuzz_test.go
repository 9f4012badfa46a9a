package yara

import (
	"context"
	"testing"
	"time"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
)

// FuzzScan compiles arbitrary rule text and, when it compiles, scans
// arbitrary data with it under a deadline: no panic, no hang.
func FuzzScan(f *testing.F) {
	f.Add(`rule a { strings: $a = "ab" nocase wide $h = { 61 [0-2] 62 } $r = /a.?b/ condition: any of them and #a < 3 }`, []byte("ab a\x00b\x00 aXb"))
	f.Add(`rule b { strings: $a = "abc" xor base64 condition: for all i in (1..#a) : (@a[i] >= 0) }`, []byte("YWJj"))
	f.Add(`rule c { condition: uint32be(filesize - 4) == 0x01020304 and entrypoint >= 0 }`, []byte("MZ\x01\x02\x03\x04"))
	f.Fuzz(func(t *testing.T, src string, data []byte) {
		c := yr.NewCompiler()
		c.ReadFile = func(string) ([]byte, error) { return nil, context.Canceled } // no includes from disk
		if err := c.AddSource("fuzz.yar", src, ""); err != nil {
			return
		}
		rules, err := c.Rules()
		if err != nil {
			return
		}
		s, err := New(rules)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, err := s.ScanBytes(ctx, data)
		if err == nil && len(r.Matched) != len(rules.Rules) {
			t.Fatal("result does not cover every rule")
		}
	})
}
