package tracegraph_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/sbom"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/store"
)

// importSBOM stores an SBOM as the server's import does.
func importSBOM(t *testing.T, st store.Store, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := sbom.Snapshots(path, data, sbom.Options{Now: tg.T("2024-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range snaps {
		h, err := st.EnsureHost(bg, s.Host, nil, s.Host.CollectedAt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Ingest(bg, &store.Incoming{HostID: h.ID, UploadID: "sbom-" + path + string(rune('a'+i)), Kind: store.KindFull,
			Snapshot: s, Received: s.Host.CollectedAt}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSBOMDependsOnFromStore: SBOMs imported on the server make their
// subject depend on each component at the SBOM's time, so a compromised
// component makes the releases built with it after the compromise suspect
// (and reaches their customers), not those built before; an SBOM is no
// host of the graph.
func TestSBOMDependsOnFromStore(t *testing.T) {
	st := openStore(t)
	if _, err := tg.ThreeCX(bg, st); err != nil {
		t.Fatal(err)
	}
	importSBOM(t, st, "testdata/3cx-416.cdx.json")
	importSBOM(t, st, "testdata/3cx-402.spdx.json")
	g := graph(t, st)
	if _, ok := g.Node("host:3CXDesktopApp@18.12.416"); ok {
		t.Error("an imported SBOM became a host node")
	}
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-20"),
		Seeds: []cascade.Seed{{Node: "release:ffmpeg@4.4.3cx", Time: tg.T("2022-12-01")}}})
	if err != nil {
		t.Fatal(err)
	}
	var reached, suspects []string
	for _, re := range r.Reached() {
		reached = append(reached, re.Node.ID)
		if re.Suspect {
			suspects = append(suspects, re.Node.ID)
		}
		if re.Node.ID == "release:3cxdesktopapp@18.12.416" {
			ev := re.Path[len(re.Path)-1].Via.Evidence
			if ev.Source != "sbom" || !re.Time.Equal(tg.T("2023-03-07T02:00:00Z")) {
				t.Errorf("18.12.416 reached %v by %+v", re.Time, ev)
			}
		}
	}
	slices.Sort(reached)
	if want := []string{"release:3cxdesktopapp@18.12.416"}; !slices.Equal(suspects, want) {
		t.Errorf("suspects %v, want %v (18.12.402 was built before the compromise)", suspects, want)
	}
	for _, h := range []string{"host:globex-pbx-02", "host:initech-lt-04"} {
		if !slices.Contains(reached, h) {
			t.Errorf("customer %s of the suspect release not reached: %v", h, reached)
		}
	}
	if slices.Contains(reached, "host:umbrella-ws-01") {
		t.Error("the customer of 18.12.402, built before the compromise, was reached")
	}
}

// TestSBOMFileLocal reads a CycloneDX and an SPDX file as a local trace
// does (`cascade trace --sbom`), over the 3CX graph file.
func TestSBOMFileLocal(t *testing.T) {
	g, err := cascade.Load(bg, tracegraph.SBOMFile{Path: "testdata/3cx-416.cdx.json"}, tracegraph.SBOMFile{Path: "testdata/3cx-402.spdx.json"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-20"),
		Seeds: []cascade.Seed{{Node: "release:ffmpeg@4.4.3cx", Time: tg.T("2022-12-01")}}})
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	for _, re := range r.Reached() {
		reached = append(reached, re.Node.ID)
	}
	if want := []string{"release:ffmpeg@4.4.3cx", "release:3cxdesktopapp@18.12.416"}; !slices.Equal(reached, want) {
		t.Errorf("reached %v, want %v", reached, want)
	}
	for _, bad := range []struct{ name, data, want string }{
		{"inventory.json", `{"schema": "cascade.snapshot/v1", "host": {"id": "x"}}`, "not an SBOM"},
		{"noversion.cdx.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "metadata": {"component": {"type": "application", "name": "App"}}, "components": []}`, "no subject with a version"},
		{"garbage.txt", "hello", "not a cascade inventory snapshot, CycloneDX or SPDX"},
	} {
		err := tracegraph.LoadSBOM(bad.name, []byte(bad.data), cascade.NewBuilder())
		if err == nil || !contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %q", bad.name, err, bad.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
