package finding

import "testing"

func TestReasonLabel(t *testing.T) {
	tests := []struct {
		r    Reason
		want string
	}{
		{Reason{Kind: "signature-padding", Matched: "signature-padding"}, "signature-padding"},
		{Reason{Kind: "sha256", Matched: "abc"}, "sha256:abc"},
		{Reason{Kind: "signer", Matched: "CN=3CX Ltd, serial 1001"}, "signer:CN=3CX Ltd, serial 1001"},
		{Reason{Kind: "signer"}, "signer"},
	}
	for _, tt := range tests {
		if got := tt.r.Label(":"); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.r, got, tt.want)
		}
	}
}
