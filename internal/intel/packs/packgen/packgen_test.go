package packgen

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

const testHeader = "incident,type,value,context,source\n"
const rulesHead = "incident,type,value,action,argument,reason\n"

const okCurated = `{"schema":"cascade.intel/v1","source":{"id":"pack:demo","name":"Demo","kind":"pack"},
"incidents":[{"id":"demo","name":"Demo incident"}],
"advisories":[{"id":"demo/app","title":"t","product":"App","affected":[{"versions":["1.0"]}],"score":85}]}`

func mkfs(table, rules string, curated map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		TablePath: {Data: []byte(testHeader + table)},
		RulesPath: {Data: []byte(rulesHead + rules)},
	}
	for name, doc := range curated {
		fsys[CuratedDir+"/"+name+".json"] = &fstest.MapFile{Data: []byte(doc)}
	}
	return fsys
}

const okTable = `demo,sha256,AA124A4B4DF12B34E74EE7F6C683B2EBEC4CE9A8EDCF9BE345823B4FDCF5D868,installer,ref A | ref B
demo,filename,a.dll / b.dll,two dlls,ref C
demo,url,https://example.org/icon%d.ico,icons,ref D
demo,ip,192.0.2.7:443,"C2; first 2020-02-14 last 2020-12-13",ref E
demo,cert_serial,00 85 38 A6,serial,ref F
demo,timeline,2020-01-01,something happened,ref G
demo,product,App 1.0,affected,ref H
demo,string,abc,a string,ref I
`

const okRules = `# comment lines are ignored
*,sha256,*,score,100,digest
*,filename,*,score,60,name
demo,filename,b.dll,score,40,shared name
demo,filename,b.dll,regex,[\\/]vendor[\\/]b\.dll$,only in the vendor dir
*,url,*,score,75,url
demo,url,https://example.org/icon%d.ico,expand,0..2,three icons
*,ip,*,score,60,ip
*,cert_serial,*,score,30,context
*,timeline,*,curated,incident,narrative
demo,product,App 1.0,curated,advisory:demo/app,the advisory
*,string,*,skip,,needs content rules
`

func TestBuild(t *testing.T) {
	res, err := Build(mkfs(okTable, okRules, map[string]string{"demo": okCurated}))
	if err != nil {
		t.Fatal(err)
	}
	in, err := intel.DecodeNative("demo", res.Packs["demo"])
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]intel.Indicator{}
	for _, ind := range in.Indicators {
		byID[ind.ID] = ind
	}
	h := byID["demo/sha256/aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868"]
	if h.Score != 100 || strings.Join(h.References, ";") != "ref A;ref B" || h.Description != "installer" {
		t.Errorf("hash indicator %+v", h)
	}
	if a := byID["demo/filename/a.dll"]; a.Value != `(^|[\\/])a\.dll$` || a.Score != 60 {
		t.Errorf("a.dll %+v", a)
	}
	if b := byID["demo/filename/b.dll"]; b.Value != `[\\/]vendor[\\/]b\.dll$` || b.Score != 40 {
		t.Errorf("b.dll %+v", b)
	}
	for _, u := range []string{"icon0.ico", "icon1.ico", "icon2.ico"} {
		if _, ok := byID["demo/url/https://example.org/"+u]; !ok {
			t.Errorf("expanded URL %s missing", u)
		}
	}
	ip := byID["demo/ip/192.0.2.7"]
	if ip.Value != "192.0.2.7" || !strings.Contains(ip.Description, "port 443") ||
		!ip.ValidFrom.Equal(time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC)) || !ip.ValidUntil.Equal(time.Date(2020, 12, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ip %+v", ip)
	}
	if s := byID["demo/signer/008538a6"]; s.Signer == nil || s.Signer.Serial != "008538a6" {
		t.Errorf("serial %+v", s)
	}
	if refs := in.Incident("demo").References; len(refs) != 1 || refs[0] != "ref G" {
		t.Errorf("incident references %v", refs)
	}
	if refs := in.Advisories[0].References; len(refs) != 1 || refs[0] != "ref H" {
		t.Errorf("advisory references %v", refs)
	}
	actions := map[string]int{}
	for _, d := range res.Rows {
		actions[d.Action]++
	}
	if actions[UsedAsIndicator] != 6 || actions[UsedByCurated] != 2 || actions[Skipped] != 1 {
		t.Errorf("dispositions %v", actions)
	}
}

func TestBuildErrors(t *testing.T) {
	cur := map[string]string{"demo": okCurated}
	cases := []struct {
		name, table, rules string
		curated            map[string]string
		want               string
	}{
		{"type without rule", okTable + "demo,email,a@b.example,x,ref\n", okRules, cur, "supply-chain-iocs.csv:10: type \"email\" has no mechanical mapping"},
		{"stale rule", okTable, okRules + "*,md5,*,score,100,unused\n", cur, "rules.csv:14: rule matches no row"},
		{"duplicate rule", okTable, okRules + "*,sha256,*,score,90,again\n", cur, "duplicate score rule"},
		{"conflicting dispositions", okTable, okRules + "*,string,*,curated,incident,both\n", cur, "conflicts with the skip rule"},
		{"unknown action", okTable, okRules + "*,string,*,drop,,x\n", cur, "unknown action \"drop\""},
		{"missing reason", okTable, okRules + "*,md5,*,score,100,\n", cur, "every rule needs a reason"},
		{"missing argument", okTable, okRules + "*,md5,*,score,,why\n", cur, "action score needs an argument"},
		{"unknown curated target", okTable + "demo,cve,CVE-1,x,ref\n", okRules + "*,cve,*,curated,advisory:demo/nope,x\n", cur, "no such record"},
		{"bad digest", okTable + "demo,sha256,abc,x,ref\n", okRules, cur, "supply-chain-iocs.csv:10:"},
		{"bad expand", okTable, strings.Replace(okRules, "0..2", "2..0", 1), cur, "expand range"},
		{"missing curated file", okTable, okRules, map[string]string{}, "incident demo (table line 2) has no curated file"},
		{"extra curated file", okTable, okRules, map[string]string{"demo": okCurated, "other": okCurated}, "curated/other.json: no table row"},
		{"unknown curated field", okTable, okRules, map[string]string{"demo": strings.Replace(okCurated, `"name":"Demo incident"`, `"name":"Demo incident","colour":1`, 1)}, "unknown field"},
		{"wrong source id", okTable, okRules, map[string]string{"demo": strings.Replace(okCurated, "pack:demo", "demo", 1)}, `source must have id "pack:demo"`},
		{"advisory without references", strings.Replace(okTable, "demo,product,App 1.0,affected,ref H\n", "", 1),
			strings.Replace(okRules, "demo,product,App 1.0,curated,advisory:demo/app,the advisory\n", "", 1), cur, "records without references: advisory demo/app"},
		{"row without source", okTable + "demo,md5,d41d8cd98f00b204e9800998ecf8427e,x,\n", okRules, cur, "source are required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(mkfs(c.table, c.rules, c.curated))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestRulePrecedence(t *testing.T) {
	rs, err := parseRules(RulesPath, strings.NewReader(rulesHead+`*,domain,*,score,80,type
inc,domain,*,score,70,incident
*,domain,x.example,score,60,value anywhere
inc,domain,x.example,score,50,exact
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		incident, value string
		want            string
	}{
		{"inc", "x.example", "50"}, {"other", "x.example", "60"}, {"inc", "y.example", "70"}, {"other", "y.example", "80"},
	}
	for _, c := range cases {
		if r := rs.one(c.incident, "domain", c.value, actScore); r == nil || r.Arg != c.want {
			t.Errorf("%s %s: rule %+v, want score %s", c.incident, c.value, r, c.want)
		}
	}
}

func TestFilenameRegex(t *testing.T) {
	cases := map[string]string{
		"ffmpeg.dll":                 `(^|[\\/])ffmpeg\.dll$`,
		"tests/files/bad-3.xz":       `(^|[\\/])tests[\\/]files[\\/]bad-3\.xz$`,
		`a\b+c.exe`:                  `(^|[\\/])a[\\/]b\+c\.exe$`,
		"X_TRADER_r7.17.90p608.exe":  `(^|[\\/])X_TRADER_r7\.17\.90p608\.exe$`,
		"3CXDesktopApp-18.12.416.ms": `(^|[\\/])3CXDesktopApp-18\.12\.416\.ms$`,
	}
	for in, want := range cases {
		if got := FilenameRegex(in); got != want {
			t.Errorf("FilenameRegex(%q) = %q, want %q", in, got, want)
		}
	}
}
