package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
)

// TestSearchPlan: every fleet search kind is an index search of the
// observation tables, never a walk of one (SCAN), so its time does not
// grow with the history; a SHA-1 also looks up the execution evidence
// (Amcache) by artifact_obs_sha1, and a digest page is read in the
// index's id order without sorting the digest's matches.
func TestSearchPlan(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	tests := []struct {
		q     store.SearchQuery
		wants []string // index names the plan must use
	}{
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 32)}, []string{"file_obs_sha256"}},
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 20)}, []string{"file_obs_sha1", "artifact_obs_sha1"}},
		{store.SearchQuery{Kind: store.SearchDigest, Q: strings.Repeat("ab", 16)}, []string{"file_obs_md5"}},
		{store.SearchQuery{Kind: store.SearchName, Q: "3CXDesktopApp*.exe"}, []string{"file_obs_name_fold"}},
		{store.SearchQuery{Kind: store.SearchPath, Q: `C:\Users\*\3CXDesktopApp.exe`}, []string{"file_obs_path_fold"}},
		// A later page: the cursor's epoch continues after its key and id.
		{store.SearchQuery{Kind: store.SearchName, Q: "3CXDesktopApp*.exe", Cursor: "k5.M2N4ZGVza3RvcGFwcA"}, []string{"file_obs_name_fold"}},
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
			if strings.HasPrefix(line, "SCAN o") {
				t.Errorf("%s %q walks an observation table: %s", tc.q.Kind, tc.q.Q, all)
			}
			if (tc.q.Kind == store.SearchDigest || tc.q.Kind == store.SearchName || tc.q.Kind == store.SearchPath) && strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("%s %q sorts its matches: %s", tc.q.Kind, tc.q.Q, all)
			}
			if (tc.q.Kind == store.SearchName || tc.q.Kind == store.SearchPath) && strings.Contains(line, "_fold") && !strings.Contains(line, "(<expr>=? AND <expr>>? AND <expr><?)") {
				t.Errorf("%s %q does not read one epoch's key range of its fold index: %s", tc.q.Kind, tc.q.Q, all)
			}
		}
		for _, idx := range tc.wants {
			if !strings.Contains(all, "USING INDEX "+idx+" ") {
				t.Errorf("%s %q: plan %s does not use %s", tc.q.Kind, tc.q.Q, all, idx)
			}
		}
	}
}
