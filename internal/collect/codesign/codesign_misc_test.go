package codesign

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestSameVendor(t *testing.T) {
	cert := func(o, cn string) *snapshot.Certificate {
		return &snapshot.Certificate{Organization: o, CommonName: cn}
	}
	tests := []struct {
		claimed string
		c       *snapshot.Certificate
		want    bool
	}{
		{"Microsoft Corporation", cert("Microsoft Corporation", "Microsoft Corporation"), true},
		{"Google Inc.", cert("Google LLC", "Google LLC"), true},
		{"Trading Technologies International, Inc", cert("Trading Technologies International, Inc", ""), true},
		{"3CX", cert("3CX Ltd", "3CX Ltd"), true},
		{"Microsoft Corporation", cert("3CX Ltd", "3CX Ltd"), false},
		{"Inc.", cert("Anyone", "Anyone"), true},
	}
	for _, tt := range tests {
		if got := sameVendor(tt.claimed, tt.c); got != tt.want {
			t.Errorf("sameVendor(%q, %+v) = %v", tt.claimed, tt.c, got)
		}
	}
}
