package packgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func TestFileTypeRule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules string
		want  string // error text, or "" for success
	}{
		{"md5 of a pe or zip, sha1 of a pe",
			"demo,md5," + sfMD5 + ",file-type,zip|pe,the source calls it Setup.exe or an update package\n" +
				"demo,sha1," + sfSHA1 + ",file-type,pe,a Windows binary\n", ""},
		{"an unknown type", "demo,md5," + sfMD5 + ",file-type,exe,typo\n", `unknown file type "exe"`},
		{"a wildcard", "demo,md5,*,file-type,pe,every md5\n", "not a wildcard"},
		{"any incident", "*,md5," + sfMD5 + ",file-type,pe,any incident\n", "not a wildcard"},
		{"a product row", "demo,product,App 1.0,file-type,pe,not a digest\n", "no row"},
	} {
		res, err := Build(mkfs(sfTable, sfRules+tc.rules, map[string]string{"demo": okCurated}))
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		in, err := intel.DecodeNative("demo", res.Packs["demo"])
		if err != nil {
			t.Fatal(err)
		}
		got := map[intel.Type][]string{}
		for _, ind := range in.Indicators {
			got[ind.Type] = ind.FileTypes
		}
		if !slices.Equal(got[intel.MD5], []string{"pe", "zip"}) || !slices.Equal(got[intel.SHA1], []string{"pe"}) || got[intel.SHA256] != nil {
			t.Errorf("%s: file types by type = %v", tc.name, got)
		}
	}
}
