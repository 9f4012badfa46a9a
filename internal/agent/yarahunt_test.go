package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// huntRules is the fixture rule set: a text string, a hex string with a
// wildcard and a wide string, each planted in one fixture file.
const huntRules = `rule hunt_marker : fleet {
	meta:
		description = "fleet hunt fixture marker"
		score = 80
	strings:
		$a = "CASCADE-FLEET-HUNT-MARKER"
		$h = { DE AD BE EF ?? 42 }
	condition:
		$a or $h
}

rule hunt_wide {
	strings:
		$w = "hunted-by-the-fleet" wide
	condition:
		$w
}
`

// huntFixtures writes the files of the hunted host (three matches) and
// of a clean one (decoys only).
func huntFixtures(t *testing.T, dirty bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		"etc/clean.conf":    []byte("nothing to see\n"),
		"opt/decoy.bin":     []byte("CASCADE-FLEET-HUNT-MARKE and \xde\xad\xbe\xef\x00\x43"),
		"usr/bin/plain.txt": []byte("hunted-by-the-fleet (narrow, not wide)"),
	}
	if dirty {
		files["opt/evil1.bin"] = []byte("MZ....CASCADE-FLEET-HUNT-MARKER....")
		files["opt/evil2.bin"] = append([]byte("\x7fELF"), 0xde, 0xad, 0xbe, 0xef, 0x99, 0x42, 0)
		var wide []byte
		for _, c := range []byte("xx hunted-by-the-fleet xx") {
			wide = append(wide, c, 0)
		}
		files["home/u/wide.dat"] = wide
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// huntRig is a real server on loopback whose hunt answers a test can
// replace (a tampering network, another server's request).
type huntRig struct {
	srv   *server.Server
	st    store.Store
	ts    *httptest.Server
	admin *fleetclient.Client
	mu    sync.Mutex
	// rewrite, when set, changes the pending-hunt answer an agent gets.
	rewrite func(*fleet.YARAHuntRequests)
	// results are the hunt results agents posted, as the server got them.
	results []fleet.YARAHuntResult
	// skew moves the server's clock forward.
	skew time.Duration
}

func (r *huntRig) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Now().Add(r.skew)
}

func (r *huntRig) advance(d time.Duration) {
	r.mu.Lock()
	r.skew += d
	r.mu.Unlock()
}

func newHuntRig(t *testing.T) *huntRig {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &huntRig{st: st}
	srv, err := server.New(server.Config{Store: st, YARAHuntOffline: time.Hour, Now: r.now})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	secret, err := srv.Bootstrap(bg)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	r.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/result") {
			body, _ := io.ReadAll(req.Body)
			var res fleet.YARAHuntResult
			if err := json.Unmarshal(body, &res); err != nil {
				t.Errorf("hunt result: %v", err)
			}
			r.mu.Lock()
			r.results = append(r.results, res)
			r.mu.Unlock()
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		r.mu.Lock()
		rw := r.rewrite
		r.mu.Unlock()
		if rw == nil || req.URL.Path != fleet.APIVersion+"/agent/yara-hunts" {
			h.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out fleet.YARAHuntRequests
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Errorf("pending hunts answer: %v", err)
		}
		rw(&out)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(r.ts.Close)
	r.admin = fleetclient.New(r.ts.URL, secret, nil)
	return r
}

func (r *huntRig) setRewrite(fn func(*fleet.YARAHuntRequests)) {
	r.mu.Lock()
	r.rewrite = fn
	r.mu.Unlock()
}

// huntAgent enrolls an agent whose inventory and hunts both go through
// the real scan of root.
func huntAgent(t *testing.T, r *huntRig, uid, root string) *Agent {
	t.Helper()
	tc, err := r.admin.CreateToken(bg, fleet.TokenRequest{Name: "e-" + uid, Role: fleet.TokenEnroll})
	if err != nil {
		t.Fatal(err)
	}
	host := func() snapshot.Host { return snapshot.Host{ID: uid, Name: "pc-" + uid, OS: "linux"} }
	opt := Options{Server: r.ts.URL, EnrollToken: tc.Secret, StateDir: t.TempDir(), Once: true, Host: host,
		Scan:     scan.Options{Roots: []string{root}, OS: "linux", Collect: collect.Options{Digests: collect.Digests{SHA256: true}}},
		RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond}
	opt.Collect = func(ctx context.Context) (*snapshot.Snapshot, error) {
		res, err := scan.Inventory(ctx, opt.Scan)
		if err != nil {
			return nil, err
		}
		s := res[0].Snapshot
		s.Host = host()
		s.Host.CollectedAt = time.Now().UTC()
		return s, nil
	}
	a, err := New(bg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func hostRow(t *testing.T, h fleet.YARAHunt, id int64) fleet.YARAHuntHost {
	t.Helper()
	for _, x := range h.Hosts {
		if x.HostID == id {
			return x
		}
	}
	t.Fatalf("hunt %d did not ask host %d: %+v", h.ID, id, h.Hosts)
	return fleet.YARAHuntHost{}
}

// TestYARAHuntAcrossTheFleet: one hunt over five hosts shows every
// state: two agents hunt (done), one whose scan root is gone (failed), one
// that took its inventory but never polls (asked, then offline once the
// server's clock passes the threshold) and one never seen (offline).
func TestYARAHuntAcrossTheFleet(t *testing.T) {
	r := newHuntRig(t)
	dirty, clean, gone, quietDir := huntFixtures(t, true), huntFixtures(t, false), huntFixtures(t, true), huntFixtures(t, false)
	a1, a2 := huntAgent(t, r, "dirty", dirty), huntAgent(t, r, "clean", clean)
	broken, quiet := huntAgent(t, r, "broken", gone), huntAgent(t, r, "quiet", quietDir)
	for _, a := range []*Agent{a1, a2, broken, quiet} {
		a.opt.NoHunts = true
		if err := a.Run(bg); err != nil {
			t.Fatal(err)
		}
	}
	// A host that never checks in shows as offline.
	ghost, err := r.st.EnsureHost(bg, snapshot.Host{ID: "ghost", Name: "ghost", OS: "linux"}, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules})
	if err != nil {
		t.Fatal(err)
	}
	if h.Asked != 4 || h.Offline != 1 || len(h.Hosts) != 5 {
		t.Fatalf("new hunt: asked %d offline %d hosts %d, want 4, 1 and 5", h.Asked, h.Offline, len(h.Hosts))
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*Agent{a1, a2, broken} {
		if err := a.CheckHunts(bg); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.admin.YARAHunt(bg, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Done != 2 || got.Failed != 1 || got.Asked != 1 || got.Offline != 1 || got.Matches != 3 {
		t.Fatalf("hunt progress: done %d failed %d asked %d offline %d matches %d, want 2 1 1 1 3",
			got.Done, got.Failed, got.Asked, got.Offline, got.Matches)
	}
	if x := hostRow(t, got, ghost.ID); x.State != fleet.YARAHuntOffline {
		t.Errorf("ghost host: %+v", x)
	}
	if x := hostRow(t, got, broken.HostID()); x.State != fleet.YARAHuntFailed || x.Error == "" || x.DoneAt.IsZero() {
		t.Errorf("broken host row: %+v, want failed with its error", x)
	}
	if x := hostRow(t, got, quiet.HostID()); x.State != fleet.YARAHuntAsked || !x.PickedAt.IsZero() {
		t.Errorf("quiet host row: %+v, want asked", x)
	}
	d := hostRow(t, got, a1.HostID())
	if d.State != fleet.YARAHuntDone || d.Matches != 3 || d.Findings != 3 || d.Unrecorded != 0 || d.Scanned != 6 {
		t.Errorf("dirty host row: %+v", d)
	}
	if c := hostRow(t, got, a2.HostID()); c.State != fleet.YARAHuntDone || c.Matches != 0 || c.Scanned != 3 {
		t.Errorf("clean host row: %+v", c)
	}
	// Past the offline threshold the quiet host is offline; finished
	// hosts keep their state.
	r.advance(2 * time.Hour)
	later, err := r.admin.YARAHunt(bg, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if later.Done != 2 || later.Failed != 1 || later.Asked != 0 || later.Offline != 2 {
		t.Errorf("two hours on: done %d failed %d asked %d offline %d, want 2 1 0 2", later.Done, later.Failed, later.Asked, later.Offline)
	}
	if x := hostRow(t, later, quiet.HostID()); x.State != fleet.YARAHuntOffline {
		t.Errorf("quiet host two hours on: %+v", x)
	}
	list, err := r.admin.YARAHunts(bg, 10)
	if err != nil || len(list) != 1 || list[0].Offline != 2 || list[0].Done != 2 || list[0].Failed != 1 {
		t.Errorf("hunt list: %+v %v", list, err)
	}
	// The matches are findings like any other.
	fl, err := r.admin.Findings(bg, map[string][]string{"host": {strconv.FormatInt(a1.HostID(), 10)}})
	if err != nil {
		t.Fatal(err)
	}
	var matched []string
	for _, f := range fl.Findings {
		for _, rs := range f.Reasons {
			if rs.Kind == "yara" {
				matched = append(matched, rs.Matched)
			}
		}
	}
	slices.Sort(matched)
	if len(matched) != 3 || !strings.Contains(strings.Join(matched, "\n"), "yara-hunt:hunt_marker 0x6:$a: CASCADE-FLEET-HUNT-MARKER") {
		t.Errorf("findings' YARA reasons: %q", matched)
	}
	// Handed out once: a second check-in finds nothing to do.
	if reqs, err := fleetclient.New(r.ts.URL, a1.state.cred.Token, nil).PendingYARAHunts(bg); err != nil || len(reqs) != 0 {
		t.Errorf("after the result: %v %v", reqs, err)
	}
}

func TestYARAHuntRefusesForeignOrTamperedRequests(t *testing.T) {
	r := newHuntRig(t)
	a := huntAgent(t, r, "dirty", huntFixtures(t, true))
	other := newHuntRig(t) // server B: its own key
	cases := []struct {
		name    string
		rewrite func(t *testing.T, id int64) func(*fleet.YARAHuntRequests)
		want    string
	}{
		{"rules changed on the way", func(*testing.T, int64) func(*fleet.YARAHuntRequests) {
			return func(q *fleet.YARAHuntRequests) {
				q.Hunts[0].Rules[0].Text = strings.ReplaceAll(q.Hunts[0].Rules[0].Text, "MARKER", "MARKEE")
				q.Hunts[0].Fingerprint = fleet.YARARulesFingerprint(q.Hunts[0].Rules)
			}
		}, "bad signature"},
		{"signature bytes flipped", func(*testing.T, int64) func(*fleet.YARAHuntRequests) {
			return func(q *fleet.YARAHuntRequests) { q.Hunts[0].Signature[7] ^= 1 }
		}, "bad signature"},
		{"budget changed", func(*testing.T, int64) func(*fleet.YARAHuntRequests) {
			return func(q *fleet.YARAHuntRequests) { q.Hunts[0].BudgetSeconds = 1 << 30 }
		}, "bad signature"},
		{"signed by server B", func(t *testing.T, id int64) func(*fleet.YARAHuntRequests) {
			req := foreignRequest(t, other, id)
			return func(q *fleet.YARAHuntRequests) { q.Hunts = []fleet.YARAHuntRequest{req} }
		}, "signed with key"},
		{"signed by server B, labelled with A's key id", func(t *testing.T, id int64) func(*fleet.YARAHuntRequests) {
			req := foreignRequest(t, other, id)
			req.KeyID = fleet.KeyID(mustKey(t, r.srv))
			return func(q *fleet.YARAHuntRequests) { q.Hunts = []fleet.YARAHuntRequest{req} }
		}, "bad signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := r.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules, Hosts: []int64{a.HostID()}})
			if err != nil {
				t.Fatal(err)
			}
			r.setRewrite(c.rewrite(t, h.ID))
			defer r.setRewrite(nil)
			if err := a.CheckHunts(bg); err != nil {
				t.Fatal(err)
			}
			got, err := r.admin.YARAHunt(bg, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			x := hostRow(t, got, a.HostID())
			if x.State != fleet.YARAHuntFailed || !strings.Contains(x.Error, c.want) || x.Matches != 0 || x.Scanned != 0 {
				t.Errorf("host row: %+v, want failed with %q and nothing scanned", x, c.want)
			}
			if got.Failed != 1 || got.Done != 0 || got.Matches != 0 {
				t.Errorf("hunt progress: failed %d done %d matches %d, want 1 0 0", got.Failed, got.Done, got.Matches)
			}
			if kept, err := a.state.loadCredential(); err != nil || kept.ServerKey != fleet.EncodeKey(mustKey(t, r.srv)) {
				t.Errorf("the agent's server key changed: %v", err)
			}
		})
	}
}

// foreignRequest is server B's own signed request with the given id, so
// only the key differs from what server A would send.
func foreignRequest(t *testing.T, other *huntRig, id int64) fleet.YARAHuntRequest {
	t.Helper()
	var b fleet.YARAHunt
	for b.ID < id {
		var err error
		if b, err = other.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules}); err != nil {
			t.Fatal(err)
		}
	}
	full, err := other.st.YARAHunt(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	req := full.Request(fleet.DefaultYARAHuntBudget)
	if err := req.Verify(mustKey(t, other.srv)); err != nil {
		t.Fatalf("B's own request does not verify with B's key: %v", err)
	}
	return req
}

func mustKey(t *testing.T, s *server.Server) []byte {
	t.Helper()
	k, err := s.HuntPublicKey(bg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestYARAHuntKeyFirstUse: an agent enrolled before hunts existed has no
// key; it fetches its own server's once, keeps it, and hunts.
func TestYARAHuntKeyFirstUse(t *testing.T) {
	r := newHuntRig(t)
	a := huntAgent(t, r, "dirty", huntFixtures(t, true))
	cred := *a.state.cred
	want := cred.ServerKey
	if want == "" {
		t.Fatal("enrollment gave no server key")
	}
	cred.ServerKey = ""
	if err := a.state.saveCredential(&cred); err != nil {
		t.Fatal(err)
	}
	h, err := r.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CheckHunts(bg); err != nil {
		t.Fatal(err)
	}
	kept, err := a.state.loadCredential()
	if err != nil || kept.ServerKey != want {
		t.Fatalf("kept key %q, want %q (%v)", kept.ServerKey, want, err)
	}
	got, _ := r.admin.YARAHunt(bg, h.ID)
	if x := hostRow(t, got, a.HostID()); x.State != fleet.YARAHuntDone || x.Matches != 3 {
		t.Errorf("host row: %+v", x)
	}
}

// TestYARAHuntMatchesYaraCLI: what an agent reports for a hunt (as the
// server receives it) is what Debian's yara 4 prints for `yara -s -r`
// over the same directory: the same rule/file pairs and the same string
// matches, offsets and data.
func TestYARAHuntMatchesYaraCLI(t *testing.T) {
	bin, err := exec.LookPath("yara")
	if err != nil {
		if os.Getenv("CASCADE_REQUIRE_TOOLS") == "1" {
			t.Fatal("yara is not installed (Debian package yara) and CASCADE_REQUIRE_TOOLS=1")
		}
		t.Skip("yara is not installed (Debian package yara)")
	}
	dir := huntFixtures(t, true)
	// A file with the marker twice, once past the first few MiB, so reads
	// in chunks are checked too.
	big := bytes.Repeat([]byte{0x5a}, 3<<20+17)
	copy(big[100:], "CASCADE-FLEET-HUNT-MARKER")
	copy(big[3<<20-50:], "CASCADE-FLEET-HUNT-MARKER")
	if err := os.MkdirAll(filepath.Join(dir, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "var", "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "hunt.yar")
	if err := os.WriteFile(rules, []byte(huntRules), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-s", "-r", rules, dir).Output()
	if err != nil {
		t.Fatalf("yara: %v", err)
	}
	var want []string
	var match string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "0x") {
			at, data, _ := strings.Cut(line, ": ")
			want = append(want, fmt.Sprintf("%s %s: %q", match, at, yaraCLIData(t, data)))
			continue
		}
		rule, path, _ := strings.Cut(line, " ")
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			t.Fatal(err)
		}
		match = rule + " /" + filepath.ToSlash(rel)
	}
	r := newHuntRig(t)
	a := huntAgent(t, r, "dirty", dir)
	if _, err := r.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules}); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckHunts(bg); err != nil {
		t.Fatal(err)
	}
	if len(r.results) != 1 || r.results[0].Error != "" {
		t.Fatalf("results the server got: %+v", r.results)
	}
	var got []string
	files := map[string]bool{}
	for _, f := range r.results[0].Files {
		files[f.Path] = true
		for _, m := range f.YARA {
			for _, sm := range m.Strings {
				got = append(got, fmt.Sprintf("%s %s 0x%x:%s: %q", m.Rule, f.Path, sm.Offset, sm.Name, unescapeHex(t, sm.Data)))
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || len(files) != 4 || len(want) != 5 {
		t.Errorf("agent:\n%s\nyara -s -r:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// yaraCLIData is the matched bytes yara -s printed: hex strings as
// space-separated hex bytes ("DE AD 42"), the others as text with
// non-printable bytes as \xHH.
func yaraCLIData(t *testing.T, s string) []byte {
	t.Helper()
	if b, err := hex.DecodeString(strings.ReplaceAll(s, " ", "")); err == nil && strings.Count(s, " ") == len(b)-1 && strings.ToUpper(s) == s {
		return b
	}
	return unescapeHex(t, s)
}

// unescapeHex undoes the \xHH escapes of matched data.
func unescapeHex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			v, err := hex.DecodeString(s[i+2 : i+4])
			if err != nil {
				t.Fatalf("bad escape in %q", s)
			}
			b = append(b, v...)
			i += 3
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// TestYARAHuntOnIntelChange: importing a .yar document queues a hunt of
// its rules, in the indicator's namespace, over every host; the same
// document again queues nothing; a changed rule queues a hunt of that
// rule only.
func TestYARAHuntOnIntelChange(t *testing.T) {
	r := newHuntRig(t)
	a := huntAgent(t, r, "dirty", huntFixtures(t, true))
	a.opt.NoHunts = true
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.ImportIntel(bg, "fleet.yar", []byte(huntRules)); err != nil {
		t.Fatal(err)
	}
	hs, err := r.admin.YARAHunts(bg, 10)
	if err != nil || len(hs) != 1 {
		t.Fatalf("hunts after the import: %+v %v", hs, err)
	}
	h, err := r.admin.YARAHunt(bg, hs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Scope.All || h.Asked != 1 || len(h.Rules) == 0 || !strings.Contains(h.Reason, "intel") {
		t.Fatalf("intel hunt: %+v", h)
	}
	if err := a.CheckHunts(bg); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.admin.YARAHunt(bg, h.ID); got.Done != 1 || got.Matches != 3 || hostRow(t, got, a.HostID()).Findings != 3 {
		t.Fatalf("intel hunt progress: %+v", got)
	}
	if len(r.results) != 1 {
		t.Fatalf("results: %d", len(r.results))
	}
	for _, f := range r.results[0].Files {
		for _, m := range f.YARA {
			if m.Indicator != h.Rules[0].Indicator || m.Indicator == "yara-hunt" {
				t.Errorf("%s: match of indicator %q, want the intel's %q", f.Path, m.Indicator, h.Rules[0].Indicator)
			}
		}
	}
	if _, err := r.admin.ImportIntel(bg, "fleet.yar", []byte(huntRules)); err != nil {
		t.Fatal(err)
	}
	if hs, _ := r.admin.YARAHunts(bg, 10); len(hs) != 1 {
		t.Errorf("the same rules again queued a hunt: %d hunts", len(hs))
	}
	changed := strings.ReplaceAll(huntRules, "hunted-by-the-fleet", "hunted-by-the-fleet-2")
	if _, err := r.admin.ImportIntel(bg, "fleet.yar", []byte(changed)); err != nil {
		t.Fatal(err)
	}
	hs, _ = r.admin.YARAHunts(bg, 10)
	if len(hs) != 2 {
		t.Fatalf("a changed rule queued %d hunts, want 2 in all", len(hs))
	}
	h2, err := r.admin.YARAHunt(bg, max(hs[0].ID, hs[1].ID))
	if err != nil {
		t.Fatal(err)
	}
	if len(h2.Rules) != 1 || !strings.Contains(h2.Rules[0].Text, "hunted-by-the-fleet-2") {
		t.Errorf("changed-rule hunt's rules: %+v", h2.Rules)
	}
}

// TestYARAHuntKeepsTheInventoryCache: the digest cache is versioned by
// rule set, so a hunt keeps its own and leaves the inventory's alone.
func TestYARAHuntKeepsTheInventoryCache(t *testing.T) {
	r := newHuntRig(t)
	a := huntAgent(t, r, "dirty", huntFixtures(t, true))
	cache := filepath.Join(t.TempDir(), "digests.bin")
	a.opt.Scan.CacheFile = func(string) string { return cache }
	a.opt.NoHunts = true
	if _, err := scan.Inventory(bg, a.opt.Scan); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.CreateYARAHunt(bg, fleet.YARAHuntCreate{Rules: huntRules}); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckHunts(bg); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(cache)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the hunt changed the inventory's cache (%v)", err)
	}
	if _, err := os.Stat(cache + ".yara-hunt"); err != nil {
		t.Errorf("the hunt kept no cache of its own: %v", err)
	}
}
