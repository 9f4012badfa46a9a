package packs

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs/packgen"
)

func TestThreeCXFacts(t *testing.T) {
	in := mustGet(t, "3cx-2023")
	msi := findValue(in, intel.SHA256, "59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983")
	if msi == nil {
		t.Fatal("3CX 18.12.416 MSI sha256 missing")
	}
	if msi.Score != 100 || !strings.Contains(msi.Description, "18.12.416.msi") {
		t.Errorf("MSI indicator: score %d, description %q", msi.Score, msi.Description)
	}
	for _, src := range []string{"github:sophoslabs/IoCs/3CX IoCs 2023-03.csv", "github:volexity/threat-intel/2023/2023-03-30 3CX",
		"https://www.elastic.co/security-labs/elastic-users-protected-from-suddenicon", "github:Neo23x0/signature-base/iocs/hash-iocs.txt"} {
		if !hasPrefix(msi.References, src) {
			t.Errorf("MSI indicator lacks reference %q: %q", src, msi.References)
		}
	}
	adv := findAdvisory(t, in, "3cx-2023/3cx-desktop-app")
	wantAffected := map[string][]string{
		"windows": {"18.12.407", "18.12.416"},
		"macos":   {"18.11.1213", "18.12.402", "18.12.407", "18.12.416"},
	}
	for _, af := range adv.Affected {
		if !slices.Equal(af.Versions, wantAffected[af.Platform]) || af.Fixed != "18.12.422" {
			t.Errorf("3CX %s affected %v fixed %q", af.Platform, af.Versions, af.Fixed)
		}
		delete(wantAffected, af.Platform)
	}
	if len(wantAffected) > 0 {
		t.Errorf("3CX advisory lacks platforms %v", wantAffected)
	}
	for _, a := range []string{"3CX Desktop App", "3CXDesktopApp", "com.electron.3cx-desktop-app"} {
		if !slices.Contains(adv.Aliases, a) {
			t.Errorf("3CX advisory lacks alias %q", a)
		}
	}
	if x := in.Incident("3cx-2023"); !slices.Contains(x.Related, "xtrader-2022") {
		t.Errorf("3cx-2023 is not related to xtrader-2022: %v", x.Related)
	}
	signers := 0
	for _, ind := range in.Indicators {
		if ind.Type == intel.Signer {
			signers++
			if ind.Score >= 40 {
				t.Errorf("signer %s scores %d: a vendor identity is context only", ind.ID, ind.Score)
			}
		}
	}
	if signers != 3 {
		t.Errorf("%d signer indicators, want 3 (subject, serial, Apple Developer ID)", signers)
	}
	p := findValue(in, intel.Path, `%LOCALAPPDATA%\Programs\3CXDesktopApp\app\ffmpeg.dll`)
	if p == nil || p.Score > 40 {
		t.Errorf("ffmpeg.dll path indicator missing or above notice: %+v", p)
	}
}

// regexCases lists every filename indicator whose regex is written by hand
// in the rules (rather than escaped from the name), with a path it must
// match and one it must not.
var regexCases = map[string]struct {
	hit, miss string
	maxScore  int
}{
	"3cx-2023/filename/ffmpeg.dll": {`C:\Users\alice\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`,
		`C:\Program Files\VideoLAN\VLC\ffmpeg.dll`, 40},
	"3cx-2023/filename/d3dcompiler_47.dll": {`C:\Users\bob\AppData\Local\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`,
		`C:\Windows\System32\d3dcompiler_47.dll`, 40},
	"3cx-2023/filename/libffmpeg.dylib": {"/Applications/3CX Desktop App.app/Contents/Frameworks/Electron Framework.framework/Versions/A/Libraries/libffmpeg.dylib",
		"/Applications/Slack.app/Contents/Frameworks/Electron Framework.framework/Versions/A/Libraries/libffmpeg.dylib", 40},
	"npm-ua-parser-js-2021/filename/preinstall.js":  {"/srv/app/node_modules/ua-parser-js/preinstall.js", "/srv/app/node_modules/esbuild/preinstall.js", 100},
	"npm-ua-parser-js-2021/filename/preinstall.bat": {`C:\app\node_modules\ua-parser-js\preinstall.bat`, `C:\app\node_modules\other\preinstall.bat`, 100},
	"npm-ua-parser-js-2021/filename/preinstall.sh":  {"/srv/app/node_modules/ua-parser-js/preinstall.sh", "/srv/app/node_modules/other/preinstall.sh", 100},
}

// TestFilenameRegexes checks every filename indicator: escaped names match
// themselves under either separator and nothing where a dot stood;
// hand-written regexes match their vendor path only (names shared with
// legitimate software stay at notice level).
func TestFilenameRegexes(t *testing.T) {
	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, ind := range all.Indicators {
		if ind.Type != intel.Filename {
			continue
		}
		re, err := intel.CompileFilenameRegex(ind.Value)
		if err != nil {
			t.Fatalf("%s: %v", ind.ID, err)
		}
		_, name, _ := strings.Cut(ind.ID, "/filename/")
		if ind.Value != packgen.FilenameRegex(name) {
			c, ok := regexCases[ind.ID]
			if !ok {
				t.Errorf("%s: hand-written regex %q has no test case", ind.ID, ind.Value)
				continue
			}
			covered++
			if !re.MatchString(c.hit) || re.MatchString(c.miss) || ind.Score > c.maxScore {
				t.Errorf("%s: regex %q score %d: match(%q)=%v match(%q)=%v", ind.ID, ind.Value, ind.Score,
					c.hit, re.MatchString(c.hit), c.miss, re.MatchString(c.miss))
			}
			continue
		}
		for _, p := range []string{`C:\data\` + strings.ReplaceAll(name, "/", `\`), "/data/" + name} {
			if !re.MatchString(p) {
				t.Errorf("%s: regex %q does not match %q", ind.ID, ind.Value, p)
			}
		}
		if re.MatchString("/data/x" + name) {
			t.Errorf("%s: regex %q matches a longer name", ind.ID, ind.Value)
		}
		if i := strings.LastIndex(name, "."); i > 0 {
			if bad := name[:i] + "X" + name[i+1:]; re.MatchString("/data/" + bad) {
				t.Errorf("%s: regex %q matches %q: dot not escaped", ind.ID, ind.Value, bad)
			}
		}
	}
	if covered != len(regexCases) {
		t.Errorf("%d of %d hand-written regex cases matched an indicator", covered, len(regexCases))
	}
}

// TestURLHostsAreNotDomainIndicators guards against a URL's host (such as
// raw.githubusercontent.com) becoming a finding by itself.
func TestURLHostsAreNotDomainIndicators(t *testing.T) {
	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	domains := map[string]bool{}
	for _, ind := range all.Indicators {
		if ind.Type == intel.Domain {
			domains[ind.Value] = true
		}
	}
	for _, ind := range all.Indicators {
		if ind.Type != intel.URL {
			continue
		}
		u, err := url.Parse(intel.NormalizeURL(ind.Value))
		if err != nil {
			t.Fatal(err)
		}
		if domains[u.Hostname()] {
			t.Errorf("URL %s: its host %s is a domain indicator", ind.Value, u.Hostname())
		}
	}
	for _, d := range []string{"raw.githubusercontent.com", "github.com", "www.3cx.com", "3cx.com"} {
		if domains[d] {
			t.Errorf("%s must not be a domain indicator", d)
		}
	}
}

// TestIconC2Map checks every C2 domain decoded from the staging icons is a
// domain indicator, except the decoy (the vendor's own site).
func TestIconC2Map(t *testing.T) {
	in := mustGet(t, "3cx-2023")
	icons := 0
	for _, r := range tableRows(t) {
		if r[1] != "icon_c2_map" {
			continue
		}
		icons++
		icon, domain, ok := strings.Cut(r[2], " -> ")
		if !ok {
			t.Fatalf("icon_c2_map row %q", r[2])
		}
		want := findValue(in, intel.URL, "https://raw.githubusercontent.com/IconStorages/images/main/"+icon)
		if want == nil {
			t.Errorf("no URL indicator for %s", icon)
		}
		got := findValue(in, intel.Domain, domain)
		if domain == "www.3cx.com" {
			if got != nil {
				t.Error("decoy www.3cx.com is an indicator")
			}
			continue
		}
		if got == nil || got.Score < 80 {
			t.Errorf("decoded C2 %s (%s): indicator %+v", domain, icon, got)
		}
	}
	if icons != 16 {
		t.Errorf("%d icon rows, want 16", icons)
	}
}

func TestXTraderFacts(t *testing.T) {
	in := mustGet(t, "xtrader-2022")
	host := findValue(in, intel.Domain, "download.tradingtechnologies.com")
	if host == nil || host.Score < 40 || host.Score >= 60 {
		t.Errorf("vendor download host should be a notice: %+v", host)
	}
	dl := findID(in, "xtrader-2022/stix/x-trader-download")
	if dl == nil || dl.Score < 60 || !strings.Contains(dl.Pattern, `download\\.tradingtechnologies\\.com`) {
		t.Errorf("installer download indicator: %+v", dl)
	}
	exact := findAdvisory(t, in, "xtrader-2022/x-trader-7.17.90p608")
	if !slices.Contains(exact.Affected[0].Versions, "7.17.90p608") || exact.Score < 80 {
		t.Errorf("X_TRADER advisory: %+v", exact)
	}
	retired := findAdvisory(t, in, "xtrader-2022/x-trader-retired")
	if r := retired.Affected[0].Ranges; len(r) != 1 || r[0].Introduced != "0" || r[0].Fixed != "" {
		t.Errorf("retired X_TRADER should cover every version: %+v", r)
	}
	if x := in.Incident("xtrader-2022"); !slices.Contains(x.Related, "3cx-2023") {
		t.Errorf("xtrader-2022 is not related to 3cx-2023")
	}
	if findValue(in, intel.Path, `C:\ProgramData\TPM\`) == nil {
		t.Error("VEILEDSIGNAL directory indicator missing")
	}
}

func TestXZFacts(t *testing.T) {
	in := mustGet(t, "xz-2024")
	adv := findAdvisory(t, in, "xz-2024/xz-utils")
	eco := map[string]bool{}
	for _, af := range adv.Affected {
		eco[af.Ecosystem] = slices.Equal(af.Versions, []string{"5.6.0", "5.6.1"})
	}
	if !eco["dpkg"] || !eco["rpm"] {
		t.Errorf("xz advisory ecosystems: %v", eco)
	}
	if !strings.Contains(adv.Remediation, "upstream") || !strings.Contains(adv.Remediation, "+really") {
		t.Errorf("xz advisory does not explain upstream versions: %q", adv.Remediation)
	}
	for _, pkg := range []string{"xz-utils", "liblzma5", "xz", "xz-libs"} {
		if !slices.Contains(adv.Aliases, pkg) {
			t.Errorf("xz advisory lacks package name %q", pkg)
		}
	}
}

func TestNetworkIndicatorDetails(t *testing.T) {
	ua := mustGet(t, "npm-ua-parser-js-2021")
	ip := findValue(ua, intel.IP, "185.158.250.216")
	if ip == nil || !strings.Contains(ip.Description, "port 443") {
		t.Errorf("address with port: %+v", ip)
	}
	sw := mustGet(t, "solarwinds-2020")
	ip = findValue(sw, intel.IP, "13.59.205.66")
	if ip == nil {
		t.Fatal("13.59.205.66 missing")
	}
	from, until := time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC), time.Date(2020, 12, 14, 0, 0, 0, 0, time.UTC)
	if !ip.ValidFrom.Equal(from) || !ip.ValidUntil.Equal(until) {
		t.Errorf("observation window %v..%v, want %v..%v", ip.ValidFrom, ip.ValidUntil, from, until)
	}
	if findValue(sw, intel.IP, "167.114.213.199") != nil {
		t.Error("the 2016 A record should be skipped")
	}
	if findValue(sw, intel.Domain, "avsvmcloud.com") == nil {
		t.Error("avsvmcloud.com missing")
	}
}

func TestPackageAdvisories(t *testing.T) {
	cases := []struct {
		pack, id, ecosystem string
		versions            []string
		minScore, maxScore  int
	}{
		{"npm-event-stream-2018", "npm-event-stream-2018/event-stream", "npm", []string{"3.3.6"}, 80, 100},
		{"npm-event-stream-2018", "npm-event-stream-2018/flatmap-stream", "npm", []string{"0.1.1"}, 80, 100},
		{"npm-node-ipc-2022", "npm-node-ipc-2022/node-ipc", "npm", []string{"10.1.1", "10.1.2"}, 80, 100},
		{"npm-node-ipc-2022", "npm-node-ipc-2022/node-ipc-peacenotwar", "npm", []string{"9.2.2", "11.0.0"}, 40, 59},
		{"pypi-ultralytics-2024", "pypi-ultralytics-2024/ultralytics", "pypi", []string{"8.3.41", "8.3.42", "8.3.45", "8.3.46"}, 80, 100},
		{"ccleaner-2017", "ccleaner-2017/ccleaner", "windows", []string{"5.33.6162", "5.33"}, 80, 100},
		{"ccleaner-2017", "ccleaner-2017/ccleaner-cloud", "windows", []string{"1.07.3191"}, 80, 100},
	}
	for _, c := range cases {
		adv := findAdvisory(t, mustGet(t, c.pack), c.id)
		af := adv.Affected[0]
		if af.Ecosystem != c.ecosystem || !slices.Equal(af.Versions, c.versions) || adv.Score < c.minScore || adv.Score > c.maxScore {
			t.Errorf("%s: ecosystem %s versions %v score %d", c.id, af.Ecosystem, af.Versions, adv.Score)
		}
	}
	ua := findAdvisory(t, mustGet(t, "npm-ua-parser-js-2021"), "npm-ua-parser-js-2021/ua-parser-js")
	fixed := map[string]string{}
	for _, af := range ua.Affected {
		fixed[af.Versions[0]] = af.Fixed
	}
	if fixed["0.7.29"] != "0.7.30" || fixed["0.8.0"] != "0.8.1" || fixed["1.0.0"] != "1.0.1" {
		t.Errorf("ua-parser-js fixed versions %v", fixed)
	}
	asus := findAdvisory(t, mustGet(t, "shadowhammer-2019"), "shadowhammer-2019/asus-live-update")
	if r := asus.Affected[0].Ranges; len(r) != 1 || r[0].Fixed != "3.6.8" {
		t.Errorf("ASUS Live Update range %+v", r)
	}
	tt := findAdvisory(t, mustGet(t, "pypi-torchtriton-2022"), "pypi-torchtriton-2022/torchtriton")
	if r := tt.Affected[0].Ranges; tt.Affected[0].Ecosystem != "pypi" || len(r) != 1 || r[0].Fixed != "" {
		t.Errorf("torchtriton should cover every version: %+v", tt.Affected)
	}
}

func findID(in *intel.Intel, id string) *intel.Indicator {
	for i := range in.Indicators {
		if in.Indicators[i].ID == id {
			return &in.Indicators[i]
		}
	}
	return nil
}

func findAdvisory(t *testing.T, in *intel.Intel, id string) *intel.Advisory {
	t.Helper()
	for i := range in.Advisories {
		if in.Advisories[i].ID == id {
			return &in.Advisories[i]
		}
	}
	t.Fatalf("advisory %s missing", id)
	return nil
}

// TestContextIndicators: the names and places every 3CX install has are
// tagged as context, score below a notice and keep their references; no
// other 3CX indicator is context.
func TestContextIndicators(t *testing.T) {
	in := mustGet(t, "3cx-2023")
	want := map[string]bool{
		"3cx-2023/filename/ffmpeg.dll": true, "3cx-2023/filename/d3dcompiler_47.dll": true, "3cx-2023/filename/libffmpeg.dylib": true,
		`3cx-2023/path/%LOCALAPPDATA%\Programs\3CXDesktopApp\app\ffmpeg.dll`:         true,
		`3cx-2023/path/%LOCALAPPDATA%\Programs\3CXDesktopApp\app\d3dcompiler_47.dll`: true,
		"3cx-2023/path/~/Library/Application Support/3CX Desktop App/.session-lock":  true,
	}
	for _, ind := range in.Indicators {
		if ind.IsContext() != want[ind.ID] {
			t.Errorf("%s: context %v, want %v", ind.ID, ind.IsContext(), want[ind.ID])
		}
		if ind.IsContext() && (ind.Score >= 40 || len(ind.References) == 0) {
			t.Errorf("%s: context indicator with score %d and %d references", ind.ID, ind.Score, len(ind.References))
		}
		delete(want, ind.ID)
	}
	if len(want) > 0 {
		t.Errorf("context indicators missing: %v", want)
	}
}
