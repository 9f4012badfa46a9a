package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestClientSearchEvidence: a pasted SHA-1 finds the host that has the
// file and the host whose Amcache remembers a program with that digest
// (its file gone), the second marked as execution evidence with its path,
// source and time; what the host reported stays on its line.
func TestClientSearchEvidence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, url, tok := testFleetServer(t, dir)
	const sha1 = "ced2b5d2a1a39f3a1f3f5a1e8b2b6dc5c1a8e6f0"
	ran := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	for _, sn := range []*snapshot.Snapshot{
		{Files: []snapshot.File{{Path: `C:\Tools\x_trader.exe`, SHA256: strings.Repeat("3", 64), SHA1: sha1, Size: 10}}},
		{Artifacts: []snapshot.Artifact{{Kind: snapshot.ArtifactAmcacheFile, Path: "c:\\gone\\x_trader.exe\n\x1b[2Jfake line",
			SHA1: sha1, Source: `C:\Windows\AppCompat\Programs\Amcache.hve`, FirstSeen: &ran, LastSeen: &ran}}},
	} {
		uid := "pc-files"
		if len(sn.Artifacts) > 0 {
			uid = "pc-ran"
		}
		now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		sn.Schema, sn.ID, sn.Host = snapshot.Schema, uid, snapshot.Host{ID: uid, Name: uid, CollectedAt: now}
		h, err := st.EnsureHost(ctx, sn.Host, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Ingest(ctx, &store.Incoming{HostID: h.ID, UploadID: uid, Kind: store.KindFull, Snapshot: sn, Received: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	code, out, se := run(t, "client", "search", "--server", url, "--token-file", tok, strings.ToUpper(sha1))
	if code != 0 {
		t.Fatalf("search: %d %q %q", code, out, se)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "pc-files") || !strings.HasPrefix(lines[2], "pc-ran") ||
		!strings.HasSuffix(lines[3], "2 hits on 2 hosts, digest search") {
		t.Fatalf("table:\n%s", out)
	}
	for _, want := range []string{"sha1:" + sha1 + " (amcache-file)", `amcache-file c:\gone\x_trader.exe\n\x1b[2Jfake line sha1 ` + sha1,
		`from C:\Windows\AppCompat\Programs\Amcache.hve`, "first 2022-04-12T09:30:00Z"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("evidence line lacks %q:\n%s", want, lines[2])
		}
	}
	if !strings.Contains(lines[1], `file C:\Tools\x_trader.exe`) {
		t.Errorf("file line:\n%s", lines[1])
	}

	code, out, se = run(t, "client", "search", "--server", url, "--token-file", tok, "--format", "jsonl", sha1)
	if code != 0 {
		t.Fatalf("jsonl: %d %q", code, se)
	}
	var evidence []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var h fleet.SearchHit
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatal(err)
		}
		evidence = append(evidence, h.HostUID+":"+h.Evidence)
	}
	if strings.Join(evidence, ",") != "pc-files:file,pc-ran:amcache-file" {
		t.Errorf("jsonl evidence %v", evidence)
	}
}
