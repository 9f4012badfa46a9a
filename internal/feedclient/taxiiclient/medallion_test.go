package taxiiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The OASIS TAXII 2.1 reference server, medallion 2.0.1 (testdata/medallion,
// see its README), is the server this client is checked against: a server
// we did not write, with its own paging (`next` tied to the first request's
// filters), date_added bookkeeping and status resources.

const medallionCollection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"

// startMedallion runs medallion on a free loopback port with n indicators
// in one readable and writable collection, each added one second after the
// previous from 2024-03-01, and returns the server's base URL.
func startMedallion(t *testing.T, n int) string {
	t.Helper()
	// Debian's python3 first: python3-flask and friends install there,
	// whatever other python3 comes first on PATH.
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		py, err = exec.LookPath("python3")
	}
	if err == nil {
		err = exec.Command(py, "-c", "import flask, flask_httpauth, pytz, six").Run()
	}
	if err != nil {
		msg := "medallion needs python3 with flask, flask-httpauth, pytz and six (Debian: python3-flask python3-flask-httpauth python3-tz python3-six): " + err.Error()
		if os.Getenv("CASCADE_REQUIRE_TOOLS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	var objects, manifest []map[string]any
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id := fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", i)
		ts := "2024-02-01T00:00:00.000Z"
		objects = append(objects, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id,
			"created": ts, "modified": ts, "pattern_type": "stix", "valid_from": "2024-02-01T00:00:00Z",
			"pattern": fmt.Sprintf("[domain-name:value = 'c2-%d.example.invalid']", i)})
		manifest = append(manifest, map[string]any{"id": id, "version": ts,
			"date_added": start.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000000Z"),
			"media_type": "application/stix+json;version=2.1"})
	}
	data := map[string]any{
		"/discovery": map[string]any{"title": "medallion under test", "default": base + "/intel/",
			"api_roots": []string{base + "/intel/"}},
		"intel": map[string]any{
			"information": map[string]any{"title": "intel root", "versions": []string{"application/taxii+json;version=2.1"},
				"max_content_length": 9765625},
			"status": []any{},
			"collections": []any{map[string]any{"id": medallionCollection, "title": "indicators",
				"can_read": true, "can_write": true, "media_types": []string{"application/stix+json;version=2.1"},
				"objects": objects, "manifest": manifest}},
		},
	}
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dataFile := write("data.json", data)
	config := write("config.json", map[string]any{
		"backend": map[string]any{"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": dataFile},
		"users":   map[string]string{"analyst": "s3cret"},
		"taxii":   map[string]any{"max_page_size": 100},
	})
	src, _ := filepath.Abs("testdata/medallion")
	cmd := exec.Command(py, "-c", "import sys; from medallion.scripts.run import main; sys.argv[0] = 'medallion'; main()",
		"--host", "127.0.0.1", "--port", fmt.Sprint(port), config)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+src, "PYTHONDONTWRITEBYTECODE=1")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("medallion output:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("medallion exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(base + "/taxii2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("medallion did not answer in 30 s: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base
}

func TestMedallion(t *testing.T) {
	const n = 250
	base := startMedallion(t, n)
	c, err := New(base+"/taxii2/", Options{Auth: Auth{User: "analyst", Password: "s3cret"}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	d, err := c.Discover(bg, base+"/taxii2/")
	if err != nil || d.Title != "medallion under test" || len(d.APIRoots) != 1 {
		t.Fatalf("discovery: %+v %v", d, err)
	}
	root := d.APIRoots[0]
	if r, err := c.APIRoot(bg, root); err != nil || r.Title != "intel root" {
		t.Fatalf("api root: %+v %v", r, err)
	}
	cs, err := c.Collections(bg, root)
	if err != nil || len(cs) != 1 || cs[0].ID != medallionCollection || !cs[0].CanRead || !cs[0].CanWrite {
		t.Fatalf("collections: %+v %v", cs, err)
	}
	if one, err := c.Collection(bg, root, medallionCollection); err != nil || one.Title != "indicators" {
		t.Fatalf("collection: %+v %v", one, err)
	}

	// A full pull follows medallion's `next` (which it ties to the first
	// request's filters) through pages of 40.
	pull := func(after string) ([]string, PullResult) {
		t.Helper()
		var ids []string
		res, err := c.Pull(bg, root, medallionCollection, PullOptions{AddedAfter: after, Limit: 40}, func(p []json.RawMessage) error {
			for _, o := range p {
				var h struct{ ID string }
				json.Unmarshal(o, &h)
				ids = append(ids, h.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("pull after %q: %v (%+v)", after, err, res)
		}
		return ids, res
	}
	ids, res := pull("")
	if len(ids) != n || res.Pages != 7 || res.Cursor != "2024-03-01T00:04:09.000000Z" {
		t.Fatalf("pull: %d objects in %d pages, cursor %q; want %d in 7, 2024-03-01T00:04:09.000000Z", len(ids), res.Pages, res.Cursor, n)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s handed over twice", id)
		}
		seen[id] = true
	}

	// Resuming from a cursor in the middle reads exactly what was added
	// after it; from the end, nothing.
	mid, _ := pull("2024-03-01T00:02:29.000000Z") // object 149's date_added
	if len(mid) != n-150 || mid[0] != "indicator--00000150-0000-4000-8000-000000000000" {
		t.Fatalf("resume from the middle: %d objects, first %v", len(mid), mid[:min(1, len(mid))])
	}
	if rest, r := pull(res.Cursor); len(rest) != 0 || r.Cursor != res.Cursor {
		t.Fatalf("resume from the end: %d objects, cursor %q", len(rest), r.Cursor)
	}

	// Publishing: medallion records the objects and answers with a status
	// resource the client reads back; the next pull from the old cursor
	// gets exactly the new objects.
	var add []json.RawMessage
	for i := range 30 {
		add = append(add, json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-1111-4000-8000-000000000000",`+
			`"created":"2024-05-01T00:00:00.000Z","modified":"2024-05-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2024-05-01T00:00:00Z",`+
			`"pattern":"[file:hashes.'SHA-256' = '%064x']"}`, i, i)))
	}
	st, err := c.AddAndWait(bg, root, medallionCollection, add, 100*time.Millisecond, 50)
	if err != nil || st.Status != "complete" || st.SuccessCount != 30 || st.FailureCount != 0 {
		t.Fatalf("add: %+v %v", st, err)
	}
	got, r2 := pull(res.Cursor)
	if len(got) != 30 || !strings.HasSuffix(got[0], "-1111-4000-8000-000000000000") || !later(r2.Cursor, res.Cursor) {
		t.Fatalf("pull after publishing: %d objects, cursor %q after %q", len(got), r2.Cursor, res.Cursor)
	}

	// Refusals are errors that say what the server said.
	bad, _ := New(base+"/taxii2/", Options{Auth: Auth{User: "analyst", Password: "wrong"}, Timeout: 20 * time.Second})
	defer bad.Close()
	_, err = bad.Collections(bg, root)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
		t.Errorf("wrong password: %v, want an HTTP 401 error", err)
	}
	_, err = c.Pull(bg, root, "00000000-0000-4000-8000-000000000000", PullOptions{}, func([]json.RawMessage) error { return nil })
	if !errors.As(err, &he) || he.Status != http.StatusNotFound {
		t.Errorf("unknown collection: %v, want an HTTP 404 error", err)
	}
}
