package stix_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestPacksBundleMatchesAlike matches snapshots built to hit every
// indicator and advisory of the built-in packs, once with the packs and
// once with the packs exported to STIX and loaded back: the findings must
// be identical, reasons, scores and incidents included.
func TestPacksBundleMatchesAlike(t *testing.T) {
	in, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := stix.Export(&buf, in, stix.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := stix.Load("packs.stix.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, err := match.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := match.Compile(back)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} {
		snap := witness(in, at)
		fa, fb := a.Match(snap), b.Match(snap)
		ja, _ := json.Marshal(fa)
		jb, _ := json.Marshal(fb)
		if !bytes.Equal(ja, jb) {
			t.Errorf("findings at %v differ:\npacks: %s\nstix:  %s", at, ja, jb)
		}
		if len(fa) < len(in.Indicators)/3 {
			t.Errorf("only %d findings: the witness snapshot misses most indicators", len(fa))
		}
	}
}

// witness makes a snapshot with evidence for each indicator it can
// express: files with the digests and names, artifacts with the domains,
// URLs and addresses, software at the affected versions.
func witness(in *intel.Intel, at time.Time) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{Name: "witness", CollectedAt: at}}
	for _, ind := range in.Indicators {
		switch ind.Type {
		case intel.SHA256:
			s.Files = append(s.Files, snapshot.File{Path: "/x/" + ind.ID, SHA256: ind.Value})
		case intel.SHA1:
			s.Files = append(s.Files, snapshot.File{Path: "/x/" + ind.ID, SHA1: ind.Value})
		case intel.MD5:
			s.Files = append(s.Files, snapshot.File{Path: "/x/" + ind.ID, MD5: ind.Value})
		case intel.Filename:
			if p, ok := literalPath(ind.Value); ok {
				s.Files = append(s.Files, snapshot.File{Path: `C:\Users\u\AppData\Local\` + p})
			}
		case intel.Domain:
			s.Artifacts = append(s.Artifacts, snapshot.Artifact{Kind: "dns-cache", Domain: "www." + ind.Value, Source: "w"})
		case intel.URL:
			s.Artifacts = append(s.Artifacts, snapshot.Artifact{Kind: snapshot.ArtifactBrowserVisit, Source: "w",
				URL: intel.NormalizeURL(strings.ReplaceAll(ind.Value, "%d", "7"))})
		case intel.IP:
			if p, err := intel.ParseCIDROrAddr(ind.Value); err == nil {
				s.Artifacts = append(s.Artifacts, snapshot.Artifact{Kind: "dns-cache", IP: insideAddr(p), Source: "w"})
			}
		}
	}
	for _, a := range in.Advisories {
		for _, af := range a.Affected {
			for _, v := range af.Versions {
				s.Software = append(s.Software, snapshot.Software{Name: a.Product, Vendor: a.Vendor, Version: v, Platform: af.Platform})
			}
		}
	}
	return s
}

var plainRegex = regexp.MustCompile(`^\(\^\|\[\\\\/\]\)((?:[A-Za-z0-9_ -]|\\\.)+)\$$`)

// literalPath reads the file name out of a "(^|[\\/])name\.ext$" regex.
func literalPath(re string) (string, bool) {
	m := plainRegex.FindStringSubmatch(re)
	if m == nil {
		return "", false
	}
	return strings.ReplaceAll(m[1], `\.`, "."), true
}

// insideAddr returns an address inside p.
func insideAddr(p netip.Prefix) string {
	a := p.Addr()
	for n := a.BitLen() - p.Bits(); n > 1; n-- {
		a = a.Next()
	}
	return a.String()
}
