package storetest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// testSearch: every search kind finds present and gone observations of
// every host, the time range keeps those whose interval overlaps it,
// patterns are case-insensitive and refused without a literal start, and
// pages follow a cursor to the end.
func testSearch(t *testing.T, h Harness) {
	s := fresh(t, h)
	a, b := mustHost(t, s, "a"), mustHost(t, s, "b")
	exe := `C:\Users\Bob\AppData\Local\Programs\3CXDesktopApp\3CXDesktopApp.exe`
	sn := snap("a", day(0), []string{"3CX Desktop App@18.12.407"},
		map[string]string{exe: "evil", `C:\Windows\System32\ffmpeg.dll`: "ffmpeg"}, "https://Download.3cx.com/x.msi")
	for i := range sn.Files {
		if sn.Files[i].Path == exe {
			sn.Files[i].SHA1 = "00000000000000000000000000000000000000aa"
		}
	}
	sn.Artifacts = append(sn.Artifacts, snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "Raw.GitHubUserContent.com.", IP: "::ffff:1.2.3.4", Source: "dns"})
	ingest(t, s, a.ID, sn, nil)
	// Day 5: the app is gone from a.
	ingest(t, s, a.ID, snap("a", day(5), nil, map[string]string{`C:\Windows\System32\ffmpeg.dll`: "ffmpeg"}), nil)
	sb := snap("b", day(10), []string{"3CX Desktop App@18.11.1100"}, map[string]string{"/opt/3cx/3CXDesktopApp.exe": "evil"})
	// In the index range of 3cx.com ("com.3cx" up to "com.3cx/") but not
	// a subdomain of it.
	sb.Artifacts = append(sb.Artifacts, snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "3cx-cdn.com", Source: "dns"})
	// b's Amcache remembers a program whose file is gone, by the SHA-1 a's
	// file has (upper case, as a hive might hold it), and another.
	ran := day(9)
	sb.Artifacts = append(sb.Artifacts,
		snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\users\carol\appdata\local\programs\3cxdesktopapp\3cxdesktopapp.exe`,
			SHA1: "00000000000000000000000000000000000000AA", Source: `C:\Windows\AppCompat\Programs\Amcache.hve`, FirstSeen: &ran, LastSeen: &ran},
		snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\x.exe`, SHA1: "00000000000000000000000000000000000000bb", Source: "Amcache.hve"})
	ingest(t, s, b.ID, sb, nil)

	type want struct {
		hosts   string // host uids of the hits, sorted, joined
		refused bool
	}
	tests := []struct {
		name     string
		q        store.SearchQuery
		want     want
		matchedA string
	}{
		{"sha256", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil")}, want{hosts: "ab"}, ""},
		{"sha256 upper case", store.SearchQuery{Kind: store.SearchDigest, Q: upper(digest("evil"))}, want{hosts: "ab"}, ""},
		{"sha1 of a file and of execution evidence", store.SearchQuery{Kind: store.SearchDigest, Q: "00000000000000000000000000000000000000AA"}, want{hosts: "ab"}, "sha1:00000000000000000000000000000000000000aa"},
		{"sha1 of execution evidence alone", store.SearchQuery{Kind: store.SearchDigest, Q: "00000000000000000000000000000000000000bb"}, want{hosts: "b"}, ""},
		{"sha1 evidence in range", store.SearchQuery{Kind: store.SearchDigest, Q: "00000000000000000000000000000000000000aa", From: day(8)}, want{hosts: "b"}, ""},
		{"md5 none", store.SearchQuery{Kind: store.SearchDigest, Q: "0123456789abcdef0123456789abcdef"}, want{}, ""},
		{"digest bad length", store.SearchQuery{Kind: store.SearchDigest, Q: "abcd"}, want{refused: true}, ""},
		{"range before a's removal", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), To: day(3)}, want{hosts: "a"}, ""},
		{"range after a's removal", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), From: day(7)}, want{hosts: "b"}, ""},
		// a was last seen with the file on day 0 and without it on day 5:
		// its interval is [day 0, day 0].
		{"range between", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), From: day(1), To: day(2)}, want{}, ""},
		{"range touching", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), From: day(0), To: day(2)}, want{hosts: "a"}, ""},
		{"enormous range", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), From: time.Unix(0, 0), To: day(100000)}, want{hosts: "ab"}, ""},
		{"range reversed", store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), From: day(2), To: day(1)}, want{refused: true}, ""},
		{"name glob folded", store.SearchQuery{Kind: store.SearchName, Q: "3cxdesktopAPP*.EXE"}, want{hosts: "ab"}, ""},
		{"name exact", store.SearchQuery{Kind: store.SearchName, Q: "FFMPEG.DLL"}, want{hosts: "a"}, ""},
		{"name ?", store.SearchQuery{Kind: store.SearchName, Q: "ffmpe?.dll"}, want{hosts: "a"}, ""},
		{"name glob no match", store.SearchQuery{Kind: store.SearchName, Q: "3cx*.dll"}, want{}, ""},
		{"name bare star", store.SearchQuery{Kind: store.SearchName, Q: "*"}, want{refused: true}, ""},
		{"name suffix only", store.SearchQuery{Kind: store.SearchName, Q: "*.exe"}, want{refused: true}, ""},
		{"name short literal", store.SearchQuery{Kind: store.SearchName, Q: "3c*"}, want{refused: true}, ""},
		{"name with separator", store.SearchQuery{Kind: store.SearchName, Q: `a\b.exe`}, want{refused: true}, ""},
		{"windows path folded", store.SearchQuery{Kind: store.SearchPath, Q: `c:\users\*\3cxdesktopapp.EXE`}, want{hosts: "a"}, exe},
		{"path prefix", store.SearchQuery{Kind: store.SearchPath, Q: `C:\WINDOWS\system32\*`}, want{hosts: "a"}, ""},
		{"unix path", store.SearchQuery{Kind: store.SearchPath, Q: "/opt/3cx/*"}, want{hosts: "b"}, ""},
		{"path leading star", store.SearchQuery{Kind: store.SearchPath, Q: `*\3CXDesktopApp.exe`}, want{refused: true}, ""},
		{"product any version", store.SearchQuery{Kind: store.SearchProduct, Q: "3cx desktop app"}, want{hosts: "ab"}, ""},
		{"product range", store.SearchQuery{Kind: store.SearchProduct, Q: "3CX Desktop App@>=18.12, <18.13"}, want{hosts: "a"}, "3CX Desktop App@18.12.407"},
		{"product exact", store.SearchQuery{Kind: store.SearchProduct, Q: "3CX Desktop App@18.11.1100"}, want{hosts: "b"}, ""},
		{"product numeric order", store.SearchQuery{Kind: store.SearchProduct, Q: "3CX Desktop App@<18.12"}, want{hosts: "b"}, ""},
		{"domain with subdomains", store.SearchQuery{Kind: store.SearchDomain, Q: "githubusercontent.com"}, want{hosts: "a"}, ""},
		{"domain of a url", store.SearchQuery{Kind: store.SearchDomain, Q: "3CX.com"}, want{hosts: "a"}, ""},
		{"domain not a prefix of the label", store.SearchQuery{Kind: store.SearchDomain, Q: "3cx-cdn.com"}, want{hosts: "b"}, ""},
		{"domain no suffix confusion", store.SearchQuery{Kind: store.SearchDomain, Q: "x.com"}, want{}, ""},
		{"domain one label", store.SearchQuery{Kind: store.SearchDomain, Q: "com"}, want{refused: true}, ""},
		{"url", store.SearchQuery{Kind: store.SearchURL, Q: "https://download.3cx.com/x.msi"}, want{hosts: "a"}, ""},
		{"url other path", store.SearchQuery{Kind: store.SearchURL, Q: "https://download.3cx.com/y.msi"}, want{}, ""},
		{"ip mapped", store.SearchQuery{Kind: store.SearchIP, Q: "1.2.3.4"}, want{hosts: "a"}, ""},
		{"ip bad", store.SearchQuery{Kind: store.SearchIP, Q: "1.2.3"}, want{refused: true}, ""},
		{"unknown kind", store.SearchQuery{Kind: "colour", Q: "red"}, want{refused: true}, ""},
		{"bad cursor", store.SearchQuery{Kind: store.SearchIP, Q: "1.2.3.4", Cursor: "zz"}, want{refused: true}, ""},
	}
	for _, tc := range tests {
		page, err := s.Search(ctx, tc.q)
		if tc.want.refused {
			if !errors.Is(err, store.ErrInvalidSearch) {
				t.Errorf("%s: err %v, want a refusal", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var uids []string
		for _, hit := range page.Hits {
			uids = append(uids, hit.HostUID)
			if tc.matchedA != "" && hit.HostUID == "a" && hit.Matched != tc.matchedA {
				t.Errorf("%s: matched %q, want %q", tc.name, hit.Matched, tc.matchedA)
			}
		}
		sort.Strings(uids)
		got := ""
		for _, u := range uids {
			got += u
		}
		if got != tc.want.hosts {
			t.Errorf("%s: hosts %q, want %q", tc.name, got, tc.want.hosts)
		}
	}

	// The gone observation keeps its interval and evidence.
	page, err := s.Search(ctx, store.SearchQuery{Kind: store.SearchDigest, Q: digest("evil"), To: day(3)})
	if err != nil || len(page.Hits) != 1 {
		t.Fatalf("gone hit: %+v, %v", page, err)
	}
	if o := page.Hits[0]; o.Present || !o.FirstSeen.Equal(day(0)) || o.GoneAt.IsZero() || o.File == nil || o.File.Path != exe {
		t.Errorf("gone hit %+v", o.Obs.Observation)
	}

	// The execution evidence's hit is marked as an artifact and carries
	// the record: kind, path, source and its own times.
	page, err = s.Search(ctx, store.SearchQuery{Kind: store.SearchDigest, Q: "00000000000000000000000000000000000000aa", From: day(8)})
	if err != nil || len(page.Hits) != 1 {
		t.Fatalf("evidence hit: %+v, %v", page, err)
	}
	if o := page.Hits[0]; o.Kind != "artifact" || o.Artifact == nil || o.Artifact.Kind != snapshot.ArtifactAmcacheFile ||
		o.Artifact.LastSeen == nil || !o.Artifact.LastSeen.Equal(ran) || o.Artifact.Source == "" || o.Artifact.Path == "" ||
		o.Matched != "sha1:00000000000000000000000000000000000000aa (amcache-file)" || !o.Present {
		t.Errorf("evidence hit %+v %q", o.Obs.Observation, o.Matched)
	}
	if _, err := s.Search(ctx, store.SearchQuery{Kind: store.SearchName, Q: "3CX*", Cursor: "a1"}); !errors.Is(err, store.ErrInvalidSearch) {
		t.Errorf("an evidence cursor on a name search: %v, want a refusal", err)
	}

	// Pages of one follow the cursor to the end, each hit once.
	for _, q := range []store.SearchQuery{
		{Kind: store.SearchName, Q: "3CX*"},
		{Kind: store.SearchDigest, Q: digest("evil")},
		{Kind: store.SearchPath, Q: `C:\*`},
		{Kind: store.SearchDigest, Q: "00000000000000000000000000000000000000aa"}, // a file, then an Amcache entry
	} {
		q.Limit = 1
		seen := map[int64]bool{}
		for range 10 {
			page, err := s.Search(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			for _, hit := range page.Hits {
				if seen[hit.ID] {
					t.Errorf("%s %q: hit %d twice", q.Kind, q.Q, hit.ID)
				}
				seen[hit.ID] = true
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		want := 2 // the path search: the exe and ffmpeg.dll, one row across both snapshots
		if len(seen) != want || q.Cursor == "" {
			t.Errorf("%s %q paged: %d hits (cursor %q), want %d over several pages", q.Kind, q.Q, len(seen), q.Cursor, want)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// testSearchAcrossHistory: a digest on hosts whose observations lie
// epochs apart (ids 2^20 and more apart, as in a long history) is found
// on every one, in id order, page by page; so are a file name and a path
// pattern (SQLite's fold indexes lead with the epoch), each file once
// whatever the page size.
func testSearchAcrossHistory(t *testing.T, h Harness) {
	s := fresh(t, h)
	var want []string
	wantFiles := map[string]bool{}
	for i, next := range []int64{0, 3<<21 + 7, 5 << 21, 5<<21 + 1, 9 << 20} {
		if next > 0 {
			h.SkipFileIDs(t, s, next)
		}
		uid := fmt.Sprintf("h%d", i)
		ingest(t, s, mustHost(t, s, uid).ID, snap(uid, day(i), nil, map[string]string{`C:\tool.exe`: "tool",
			`C:\Tools\Tool.EXE`: "tool2-" + uid, `C:\z\tool.exe`: "tool3-" + uid, `C:\other.exe`: "other"}), nil)
		want = append(want, uid)
		for _, p := range []string{`C:\tool.exe`, `C:\Tools\Tool.EXE`, `C:\z\tool.exe`} {
			wantFiles[uid+" "+p] = true
		}
	}
	for _, q := range []store.SearchQuery{{Kind: store.SearchName, Q: "tool.exe"}, {Kind: store.SearchPath, Q: `c:\*tool.exe`}} {
		for _, limit := range []int{1, 2, 3, 100} {
			q.Limit, q.Cursor = limit, ""
			got := map[string]bool{}
			for range 40 {
				page, err := s.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, hit := range page.Hits {
					k := hit.HostUID + " " + hit.File.Path
					if got[k] {
						t.Errorf("%s %q limit %d: %s twice", q.Kind, q.Q, limit, k)
					}
					got[k] = true
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
			if len(got) != len(wantFiles) {
				t.Errorf("%s %q limit %d: %d files %v, want %d %v", q.Kind, q.Q, limit, len(got), got, len(wantFiles), wantFiles)
			}
			for k := range wantFiles {
				if !got[k] {
					t.Errorf("%s %q limit %d: %s missing", q.Kind, q.Q, limit, k)
				}
			}
		}
	}
	// A time range filters what a page read, as a glob's rest does: a
	// range that keeps little of a broad prefix does not let a page read
	// on past its limit. The pages read the same observations with the
	// range as without, and keep h0's three files (the only ones first
	// seen by day 0).
	for _, limit := range []int{1, 2, 100} {
		var read [2]int
		got := map[string]bool{}
		for i, to := range []time.Time{{}, day(0)} {
			q := store.SearchQuery{Kind: store.SearchPath, Q: `c:\*tool.exe`, To: to, Limit: limit}
			for range 40 {
				page, err := s.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if page.Read > limit {
					t.Errorf("limit %d, to %v: a page read %d", limit, to, page.Read)
				}
				read[i] += page.Read
				for _, hit := range page.Hits {
					if i == 1 {
						got[hit.HostUID+" "+hit.File.Path] = true
					}
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
		}
		if read[0] != read[1] || len(got) != 3 || !got[`h0 C:\tool.exe`] || !got[`h0 C:\Tools\Tool.EXE`] || !got[`h0 C:\z\tool.exe`] {
			t.Errorf("limit %d: read %d without the range, %d with it; kept %v", limit, read[0], read[1], got)
		}
	}
	for _, limit := range []int{1, 2, 100} {
		q := store.SearchQuery{Kind: store.SearchDigest, Q: digest("tool"), Limit: limit}
		var got []string
		var last int64
		for range 10 {
			page, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, hit := range page.Hits {
				if hit.ID <= last {
					t.Errorf("limit %d: id %d after %d", limit, hit.ID, last)
				}
				last = hit.ID
				got = append(got, hit.HostUID)
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("limit %d: hosts %v, want %v", limit, got, want)
		}
	}
}
