package server

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// TestTAXIIReferenceClient drives the OASIS Python TAXII 2.1 client
// (testdata/taxii2client, see its README) against the server: a client
// we did not write must discover, list, add, page, read versions and
// delete as the specification says.
func TestTAXIIReferenceClient(t *testing.T) {
	// Debian's python3 first: python3-requests and friends install there,
	// whatever other python3 comes first on PATH.
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		py, err = exec.LookPath("python3")
	}
	if err == nil {
		if out, cerr := exec.Command(py, "-c", "import requests, six, pytz").CombinedOutput(); cerr != nil {
			err = fmt.Errorf("%s", out)
		}
	}
	if err != nil {
		msg := "the OASIS client needs python3 with requests, six and pytz (Debian: python3-requests python3-six python3-tz): " + err.Error()
		if os.Getenv("CASCADE_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	e := newTAXIIEnv(t)
	const n = 23
	dir, _ := filepath.Abs("testdata/taxii2client")
	cmd := exec.Command(py, filepath.Join(dir, "drive.py"), e.x.ts.URL, e.deleter, e.intel, strconv.Itoa(n))
	cmd.Env = append(cmd.Environ(), "PYTHONPATH="+dir)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("drive.py: %v\n%s", err, stderr)
	}
	var got struct {
		Title            string     `json:"title"`
		Versions         []string   `json:"api_root_versions"`
		MaxContent       int64      `json:"max_content_length"`
		CanRead          bool       `json:"can_read"`
		CanWrite         bool       `json:"can_write"`
		Status           string     `json:"status"`
		Success          int        `json:"success_count"`
		StatusAgain      bool       `json:"status_again"`
		Paged            []string   `json:"paged_ids"`
		Manifest         [][]string `json:"manifest"`
		ObjectVersions   []string   `json:"object_all_versions"`
		VersionsEndpoint []string   `json:"versions"`
		Filtered         []string   `json:"filtered"`
		AfterDelete      string     `json:"after_delete"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	id := func(i int) string { return fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", i) }
	// object 0's new version was added last, so it comes last
	var want []string
	for i := 1; i < n; i++ {
		want = append(want, id(i))
	}
	want = append(want, id(0))
	switch {
	case got.Title == "" || !slices.Equal(got.Versions, []string{taxii.MediaTAXII}) || got.MaxContent != taxiiMaxContent:
		t.Errorf("discovery/api root: %s", out)
	case !got.CanRead || !got.CanWrite || got.Status != taxii.StatusComplete || got.Success != n || !got.StatusAgain:
		t.Errorf("collection/status: %s", out)
	case !slices.Equal(got.Paged, want) || len(got.Manifest) != n || got.Manifest[n-1][1] != "2023-06-01T00:00:00.000Z":
		t.Errorf("paging: %s", out)
	case !slices.Equal(got.ObjectVersions, []string{"2023-01-01T00:00:00.000Z", "2023-06-01T00:00:00.000Z"}) ||
		!slices.Equal(got.VersionsEndpoint, got.ObjectVersions):
		t.Errorf("versions: %s", out)
	case !slices.Equal(got.Filtered, []string{id(1)}) || got.AfterDelete != "404":
		t.Errorf("filter/delete: %s", out)
	}
}
