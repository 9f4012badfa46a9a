package netart

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTimes(t *testing.T) {
	cases := []struct {
		name string
		conv func(int64) *time.Time
		in   int64
		want string
	}{
		{"webkit unset", webkitTime, 0, ""},
		{"webkit negative", webkitTime, -5, ""},
		{"webkit 1601", webkitTime, 1, ""},
		{"webkit epoch", webkitTime, 11644473600 * 1e6, "1970-01-01T00:00:00Z"},
		{"webkit X_TRADER", webkitTime, 13294245787000000, "2022-04-12T14:03:07Z"},
		{"webkit micro", webkitTime, 13294245787000001, "2022-04-12T14:03:07.000001Z"},
		{"webkit huge", webkitTime, 1 << 62, ""},
		{"prtime", unixMicroTime, 1679492650000000, "2023-03-22T13:44:10Z"},
		{"prtime unset", unixMicroTime, 0, ""},
		{"prtime year 10000", unixMicroTime, 253402300800 * 1e6, ""},
		{"millis", unixMilliTime, 1679555790123, "2023-03-23T07:16:30.123Z"},
		{"millis max", unixMilliTime, 1<<63 - 1, ""},
	}
	for _, tc := range cases {
		got := tc.conv(tc.in)
		if s := fmtTime(got); s != tc.want {
			t.Errorf("%s: %d → %q, want %q", tc.name, tc.in, s, tc.want)
		}
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func TestURLDomain(t *testing.T) {
	cases := map[string]string{
		"https://Download.TradingTechnologies.com/x.exe": "download.tradingtechnologies.com",
		"http://example.com:8080/a":                      "example.com",
		"https://user:pw@example.com./":                  "example.com",
		"https://[2001:db8::1]:443/":                     "2001:db8::1",
		"HTTPS://EXAMPLE.ORG":                            "example.org",
		"blob:https://drive.example.com/6f1c-22":         "drive.example.com",
		"filesystem:https://a.example/temporary/x":       "a.example",
		"ftp://ftp.example.net/pub":                      "ftp.example.net",
		"file:///C:/Users/dave/Downloads/X_TRADER.exe":   "",
		"chrome://settings/":                             "",
		"about:blank":                                    "",
		"data:text/html,hi":                              "",
		"javascript:alert(1)":                            "",
		"not a url":                                      "",
		"https://exa mple.com/":                          "",
		"":                                               "",
	}
	for in, want := range cases {
		if got := urlDomain(in); got != want {
			t.Errorf("urlDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileURIToPath(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"file:///home/erin/Downloads/debian.iso", "/home/erin/Downloads/debian.iso", ""},
		{"file:///home/erin/My%20Notes.pdf", "/home/erin/My Notes.pdf", ""},
		{"file:///C:/Users/dave/Downloads/X_TRADER_r7.17.90p608.exe", `C:\Users\dave\Downloads\X_TRADER_r7.17.90p608.exe`, ""},
		{"file:///c:", `c:`, ""},
		{"file://fileserver/share/x.exe", `\\fileserver\share\x.exe`, ""},
		{"file://localhost/etc/hosts", "/etc/hosts", ""},
		{"FILE:///tmp/x", "/tmp/x", ""},
		{"https://example.com/x", "", "not a file://"},
		{"file:relative", "", "not a file://"},
		{"file://", "", "empty path"},
		{"file:///bad%zz", "", "invalid URL escape"},
	}
	for _, tc := range cases {
		got, err := fileURIToPath(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("fileURIToPath(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("fileURIToPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDownloadMeta(t *testing.T) {
	cases := []struct {
		in        string
		end, size int64
		bad       bool
	}{
		{"", 0, 0, false},
		{`{"state":1,"endTime":1679555790000,"fileSize":659554304}`, 1679555790000, 659554304, false},
		{`{"endTime":1.5e12}`, 1500000000000, 0, false},
		{`{"endTime":-1,"fileSize":1e300}`, 0, 0, false},
		{`{"endTime":"soon"}`, 0, 0, true},
		{`{`, 0, 0, true},
	}
	for _, tc := range cases {
		end, size, err := parseDownloadMeta(tc.in)
		if (err != nil) != tc.bad || end != tc.end || size != tc.size {
			t.Errorf("parseDownloadMeta(%q) = %d, %d, %v", tc.in, end, size, err)
		}
	}
}

func TestProfileDB(t *testing.T) {
	cases := []struct{ rel, browser, family string }{
		{"Users/dave/AppData/Local/Google/Chrome/User Data/Default/History", Chrome, familyChromium},
		{"Users/dave/AppData/Local/Microsoft/Edge/User Data/Profile 1/History", Edge, familyChromium},
		{"users/dave/appdata/local/bravesoftware/brave-browser/user data/Default/history", Brave, familyChromium},
		{"Users/dave/AppData/Local/Chromium/User Data/Default/History", Chromium, familyChromium},
		{"Users/kim/Library/Application Support/Google/Chrome/Default/History", Chrome, familyChromium},
		{"Users/kim/Library/Application Support/Microsoft Edge/Default/History", Edge, familyChromium},
		{"Users/kim/Library/Application Support/BraveSoftware/Brave-Browser/Default/History", Brave, familyChromium},
		{"home/erin/.config/google-chrome/Default/History", Chrome, familyChromium},
		{"home/erin/.config/chromium/Profile 2/History", Chromium, familyChromium},
		{"home/erin/.config/microsoft-edge/Default/History", Edge, familyChromium},
		{"home/erin/.config/BraveSoftware/Brave-Browser/Default/History", Brave, familyChromium},
		{"root/.config/google-chrome/Default/History", Chrome, familyChromium},
		{"Users/dave/AppData/Roaming/Mozilla/Firefox/Profiles/ab12.default-release/places.sqlite", Firefox, familyFirefox},
		{"Users/kim/Library/Application Support/Firefox/Profiles/ab12.default/places.sqlite", Firefox, familyFirefox},
		{"home/erin/.mozilla/firefox/x7k2m9q1.default-release/places.sqlite", Firefox, familyFirefox},
		{"home/erin/snap/firefox/common/.mozilla/firefox/p.default/places.sqlite", Firefox, familyFirefox},
		// not profile databases
		{"Users/dave/AppData/Local/Google/Chrome/User Data/History", "", ""},
		{"Users/dave/AppData/Local/Google/Chrome/User Data/Default/Sub/History", "", ""},
		{"Users/dave/AppData/Local/Google/Chrome/User Data/Default/History-journal", "", ""},
		{"Users/dave/AppData/Local/Google/Chrome/User Data/Default/Archived History", "", ""},
		{"home/erin/.mozilla/firefox/places.sqlite", "", ""},
		{"home/erin/.mozilla/firefox/p/places.sqlite-wal", "", ""},
		{"home/erin/.mozilla/firefox/p/sub/places.sqlite", "", ""},
		{"opt/.config/google-chrome/Default/History", "", ""},
		{"home/.config/google-chrome/Default/History", "", ""},
		{"History", "", ""},
		{"home/erin/History", "", ""},
		{"home/erin/.config/google-chrome//History", "", ""},
	}
	b := NewBrowser(BrowserOptions{})
	for _, tc := range cases {
		browser, family, ok := profileDB(tc.rel)
		if ok != (tc.browser != "") || browser != tc.browser && ok || family != tc.family && ok {
			t.Errorf("profileDB(%q) = %q, %q, %v; want %q, %q", tc.rel, browser, family, ok, tc.browser, tc.family)
		}
		if b.WantsPath(nil, tc.rel) != ok {
			t.Errorf("WantsPath(%q) disagrees with profileDB", tc.rel)
		}
	}
}

func FuzzURLDomain(f *testing.F) {
	for _, s := range []string{"https://Example.COM:8443/x", "blob:https://a.example/1", "http://[::1]/", "file:///x", "http://%41/", "https://a..b./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := urlDomain(s)
		if d != strings.ToLower(d) || strings.ContainsAny(d, " \t\r\n/\\") || strings.HasSuffix(d, ".") && d != "" {
			t.Fatalf("urlDomain(%q) = %q", s, d)
		}
	})
}

func FuzzFileURIToPath(f *testing.F) {
	for _, s := range []string{"file:///C:/a/b", "file://srv/share/x", "file:///home/a%20b", "file:", "file:///%", "file:////x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := fileURIToPath(s)
		if err == nil && p == "" {
			t.Fatalf("fileURIToPath(%q): empty path without error", s)
		}
	})
}

func FuzzTimes(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 13294245787000000, 1679492650000000, 1<<63 - 1, -1 << 63} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		for _, conv := range []func(int64) *time.Time{webkitTime, unixMicroTime, unixMilliTime} {
			if tm := conv(v); tm != nil {
				if _, err := json.Marshal(tm); err != nil {
					t.Fatalf("%d → %v does not encode: %v", v, tm, err)
				}
			}
		}
	})
}

func FuzzDownloadMeta(f *testing.F) {
	for _, s := range []string{`{"endTime":1679555790000,"fileSize":1}`, `{"endTime":1e400}`, `[]`, `{"fileSize":-0}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end, size, _ := parseDownloadMeta(s)
		if end < 0 || size < 0 {
			t.Fatalf("negative: %d %d", end, size)
		}
	})
}
