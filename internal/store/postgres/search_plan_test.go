package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
)

// TestSearchPlan: every fleet search kind can be answered by an index
// search of the observation tables (a SHA-1 also by artifact_obs_sha1,
// the execution evidence), never by a walk of one. The planner of an
// empty test database would rightly read its few pages in a row, so the
// session turns sequential scans off (enable_seqscan=off, a startup
// parameter): what is left is the plan a large history gets, and a walk
// of the table in id order (its primary key) is refused as a scan too.
// Bitmap scans are turned off as well: for the two rows it expects, the
// test database's planner would read a range through a bitmap and sort
// it, which is cheap there and hid whether the index order can serve a
// page (it can: rdomain is COLLATE "C", as are the fold indexes).
func TestSearchPlan(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := Open(ctx, dsn+sep+"enable_seqscan=off&enable_bitmapscan=off", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		q     store.SearchQuery
		wants []string // index names the plan must use
	}{
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 32)}, []string{"file_obs_sha256"}},
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 20)}, []string{"file_obs_sha1", "artifact_obs_sha1"}},
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 20), Cursor: "a5"}, []string{"artifact_obs_sha1"}},
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 16)}, []string{"file_obs_md5"}},
		{store.SearchQuery{Kind: store.SearchName, Q: "3CXDesktopApp*.exe"}, []string{"file_obs_name_fold"}},
		{store.SearchQuery{Kind: store.SearchPath, Q: `C:\Users\*\3CXDesktopApp.exe`}, []string{"file_obs_path_fold"}},
		{store.SearchQuery{Kind: store.SearchProduct, Q: "3CX Desktop App@>=18.12"}, []string{"software_obs_product", "software_obs_ident"}},
		{store.SearchQuery{Kind: store.SearchDomain, Q: "3cx.com"}, []string{"artifact_obs_rdomain"}},
		{store.SearchQuery{Kind: store.SearchURL, Q: "https://download.3cx.com/x.msi"}, []string{"artifact_obs_rdomain"}},
		{store.SearchQuery{Kind: store.SearchIP, Q: "1.2.3.4"}, []string{"artifact_obs_ip"}},
	}
	for _, tc := range tests {
		plan, err := s.ExplainSearch(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.q.Kind, tc.q.Q, err)
		}
		all := strings.Join(plan, " | ")
		for _, line := range plan {
			if strings.Contains(line, "Seq Scan on") || strings.Contains(line, "_obs_pkey on") {
				t.Errorf("%s %q walks an observation table: %s", tc.q.Kind, tc.q.Q, all)
			}
		}
		for _, idx := range tc.wants {
			if !strings.Contains(all, " on "+idx+" ") && !strings.Contains(all, "using "+idx+" ") {
				t.Errorf("%s %q: plan %s does not use %s", tc.q.Kind, tc.q.Q, all, idx)
			}
		}
		if tc.q.Kind == store.SearchName || tc.q.Kind == store.SearchPath || tc.q.Kind == store.SearchDomain {
			// The page is the first rows of the ordered index scan (a
			// Limit right above it), not the whole range sorted.
			ordered := false
			for i := 1; i < len(plan); i++ {
				ordered = ordered || (strings.Contains(plan[i-1], "Limit") && strings.Contains(plan[i], "Index Scan using "+tc.wants[0]+" "))
			}
			if !ordered {
				t.Errorf("%s %q: the page is not read in the index's order: %s", tc.q.Kind, tc.q.Q, all)
			}
		}
		if tc.q.Cursor != "" && strings.Contains(all, "file_obs") {
			t.Errorf("a page past the files reads them again: %s", all)
		}
	}
}
