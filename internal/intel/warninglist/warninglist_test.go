package warninglist

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestSuppresses(t *testing.T) {
	set, err := Compile([]intel.Warninglist{
		{Name: "hosts", Kind: intel.WarnHostname, Entries: []string{"*.Example.com.", "3cx.com"}},
		{Name: "hashes", Kind: intel.WarnString, Types: []intel.Type{intel.SHA256},
			Entries: []string{"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
		{Name: "nets", Kind: intel.WarnCIDR, Entries: []string{"10.0.0.0/8", "::ffff:192.0.2.1"}},
		{Name: "re", Kind: intel.WarnRegex, Entries: []string{`/^update\d+\./i`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind  intel.Type
		value string
		want  string
	}{
		{intel.Domain, "a.b.example.com", "hosts"},
		{intel.Domain, "example.com", "hosts"},
		{intel.Domain, "example.com.evil.net", ""},
		{intel.URL, "http://www.3cx.com:443/x", "hosts"},
		{intel.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "hashes"},
		{intel.MD5, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ""},
		{intel.IP, "10.1.2.3", "nets"},
		{intel.IP, "10.0.0.0/16", "nets"},
		{intel.IP, "192.0.2.1", "nets"},
		{intel.IP, "11.0.0.1", ""},
		{intel.Domain, "UPDATE7.vendor.net", "re"},
		{intel.Domain, "", ""},
	}
	for _, tt := range tests {
		if got, _ := set.Suppresses(tt.kind, tt.value); got != tt.want {
			t.Errorf("Suppresses(%s, %q) = %q, want %q", tt.kind, tt.value, got, tt.want)
		}
	}
	var none *Set
	if _, ok := none.Suppresses(intel.Domain, "x.com"); ok || none.Len() != 0 {
		t.Error("nil set suppresses")
	}
}
