package packgen

import (
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

const (
	sfSHA256 = "aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868"
	sfMD5    = "0eeb1c0133eb4d571178b2d9d14ce3e9"
	sfSHA1   = "bfecb8ce89a312d2ef4afc64a63847ae11c6f69e"
)

const sfTable = "demo,sha256," + sfSHA256 + ",installer,ref A\n" +
	"demo,md5," + sfMD5 + ",installer,ref A\n" +
	"demo,sha1," + sfSHA1 + ",installer,ref A\n" +
	"demo,product,App 1.0,affected,ref H\n" +
	"demo,timeline,2020-01-01,something happened,ref G\n"

const sfRules = "*,sha256,*,score,100,digest\n*,md5,*,score,100,digest\n*,sha1,*,score,100,digest\n" +
	"demo,product,App 1.0,curated,advisory:demo/app,the advisory\n*,timeline,*,curated,incident,narrative\n"

func TestSameFileRule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules string
		want  string // error text, or "" for success
	}{
		{"md5 and sha1 with their sha256",
			"demo,md5," + sfMD5 + ",same-file," + strings.ToUpper(sfSHA256) + ",one table line\n" +
				"demo,sha1," + sfSHA1 + ",same-file," + sfSHA256 + ",one table line\n", ""},
		{"a sha256 with no row", "demo,md5," + sfMD5 + ",same-file," + strings.Repeat("b", 64) + ",typo\n", "is no sha256 row"},
		{"on a sha256 row", "demo,sha256," + sfSHA256 + ",same-file," + sfSHA256 + ",itself\n", "for sha1 and md5 rows"},
		{"a wildcard", "demo,md5,*,same-file," + sfSHA256 + ",every md5\n", "not a wildcard"},
		{"not a digest", "demo,md5," + sfMD5 + ",same-file,abc,short\n", "same_file sha256"},
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
		got := map[intel.Type]string{}
		for _, ind := range in.Indicators {
			got[ind.Type] = ind.SameFile[intel.SHA256]
		}
		if got[intel.MD5] != sfSHA256 || got[intel.SHA1] != sfSHA256 || got[intel.SHA256] != "" {
			t.Errorf("%s: same-file SHA-256 by type = %v", tc.name, got)
		}
	}
}
