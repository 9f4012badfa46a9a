package intel

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestFileTypeNames: the names an indicator may be scoped to are the
// types a collection records.
func TestFileTypeNames(t *testing.T) {
	want := []string{snapshot.TypePE, snapshot.TypeELF, snapshot.TypeMachO, snapshot.TypeOLE, snapshot.TypeMSI,
		snapshot.TypeZIP, snapshot.TypeDMG, snapshot.TypeScript, snapshot.TypeOther}
	if got := slices.Sorted(slices.Values(FileTypeNames)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("FileTypeNames = %v, want %v", FileTypeNames, want)
	}
}

func TestFileTypesValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		ind  Indicator
		want string // "" for valid
	}{
		{"md5 of a pe", Indicator{ID: "a", Type: MD5, Value: fileMD5, FileTypes: []string{"pe"}}, ""},
		{"sha256 of a pe or zip", Indicator{ID: "a", Type: SHA256, Value: fileSHA256, FileTypes: []string{"pe", "zip"}}, ""},
		{"unknown type", Indicator{ID: "a", Type: MD5, Value: fileMD5, FileTypes: []string{"exe"}}, `unknown file type "exe"`},
		{"wrong case", Indicator{ID: "a", Type: MD5, Value: fileMD5, FileTypes: []string{"PE"}}, "unknown file type"},
		{"on a domain", Indicator{ID: "a", Type: Domain, Value: "x.org", FileTypes: []string{"pe"}}, "file_types is for digest indicators"},
	} {
		err := tc.ind.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	in := Intel{Indicators: []Indicator{{ID: "x/md5", Type: MD5, Value: fileMD5, FileTypes: []string{"exe"}}}}
	if err := in.Validate(); err == nil || !strings.Contains(err.Error(), "x/md5") {
		t.Errorf("intel validation error %v does not name the indicator", err)
	}
}

// TestMergeFileTypes: sources that disagree about what a file is widen
// its scope (a wider scope never hides a file); one that does not limit
// it leaves it unlimited.
func TestMergeFileTypes(t *testing.T) {
	ind := func(src string, types []string) *Intel {
		return &Intel{Indicators: []Indicator{{ID: "x/md5", Type: MD5, Value: fileMD5, Sources: []string{src}, FileTypes: types}}}
	}
	for _, tc := range []struct {
		name string
		a, b []string
		want []string
	}{
		{"agree", []string{"pe"}, []string{"pe"}, []string{"pe"}},
		{"disagree: the union", []string{"pe"}, []string{"zip", "pe"}, []string{"pe", "zip"}},
		{"one unscoped", []string{"pe"}, nil, nil},
		{"the other unscoped", nil, []string{"pe"}, nil},
	} {
		a := ind("a", tc.a)
		a.Merge(ind("b", tc.b))
		if len(a.Indicators) != 1 {
			t.Fatalf("%s: %d indicators", tc.name, len(a.Indicators))
		}
		if got := a.Indicators[0].FileTypes; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: file_types = %v, want %v", tc.name, got, tc.want)
		}
	}
}
