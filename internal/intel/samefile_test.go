package intel

import (
	"reflect"
	"strings"
	"testing"
)

const (
	fileSHA256 = "7986bbaee8940da11ce089383521ab420c443ab7b15ed42aed91fd31ce833896"
	otherSHA   = "0000000000000000000000000000000000000000000000000000000000000001"
	fileMD5    = "74bc2d0b6680faa1a5a76b27e5479cbc"
)

func TestSameFileValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		ind  Indicator
		want string // "" for valid
	}{
		{"md5 with its sha256", Indicator{ID: "a", Type: MD5, Value: fileMD5, SameFile: map[Type]string{SHA256: fileSHA256}}, ""},
		{"its own type", Indicator{ID: "a", Type: MD5, Value: fileMD5, SameFile: map[Type]string{MD5: fileMD5}}, "not another digest type"},
		{"not a digest type", Indicator{ID: "a", Type: MD5, Value: fileMD5, SameFile: map[Type]string{Domain: "x.org"}}, "not another digest type"},
		{"bad digest", Indicator{ID: "a", Type: MD5, Value: fileMD5, SameFile: map[Type]string{SHA256: "abc"}}, "same_file sha256"},
		{"on a domain", Indicator{ID: "a", Type: Domain, Value: "x.org", SameFile: map[Type]string{SHA256: fileSHA256}}, "digest indicators"},
	} {
		err := tc.ind.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestMergeSameFile: merging unions the same-file digests of one
// indicator; sources that disagree about one leave it out, so the scan
// falls back to computing the indicator's digest for every file.
func TestMergeSameFile(t *testing.T) {
	ind := func(src string, same map[Type]string) *Intel {
		return &Intel{Indicators: []Indicator{{ID: "x/md5", Type: MD5, Value: fileMD5, Sources: []string{src}, SameFile: same}}}
	}
	for _, tc := range []struct {
		name string
		a, b map[Type]string
		want map[Type]string
	}{
		{"added", nil, map[Type]string{SHA256: fileSHA256}, map[Type]string{SHA256: fileSHA256}},
		{"kept", map[Type]string{SHA256: fileSHA256}, nil, map[Type]string{SHA256: fileSHA256}},
		{"agree, any case", map[Type]string{SHA256: fileSHA256}, map[Type]string{SHA256: strings.ToUpper(fileSHA256)}, map[Type]string{SHA256: fileSHA256}},
		{"disagree", map[Type]string{SHA256: fileSHA256}, map[Type]string{SHA256: otherSHA}, map[Type]string{}},
	} {
		in := ind("a", tc.a)
		in.Merge(ind("b", tc.b))
		if len(in.Indicators) != 1 {
			t.Fatalf("%s: %d indicators", tc.name, len(in.Indicators))
		}
		if got := in.Indicators[0].SameFile; !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: same_file = %v, want %v", tc.name, got, tc.want)
		}
	}
}
