// Package sbom is the inventory source for documents made elsewhere: it
// turns them into snapshots that `cascade scan --sbom` matches, `cascade
// inventory --sbom` writes and the fleet server stores. It reads a
// `cascade inventory` JSON file (one snapshot or an array), a CycloneDX
// SBOM (JSON or XML) or an SPDX SBOM (JSON or tag-value). Packages become
// software records (ecosystem from the purl) and files with digests become
// file records, so hash indicators and advisories match them like any
// host's.
package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Options name the host an SBOM describes.
type Options struct {
	// HostID and HostName override the identity taken from the document.
	HostID, HostName string
	// Now dates documents that carry no creation time.
	Now time.Time
}

// ErrUnknownFormat is returned for documents of no supported format.
var ErrUnknownFormat = errors.New("not a cascade inventory snapshot, CycloneDX or SPDX document")

// Snapshots converts one document. name is used in errors and sources.
func Snapshots(name string, data []byte, opt Options) (out []*snapshot.Snapshot, err error) {
	defer guard.Recover(&err, "SBOM parser", name)
	out, err = snapshots(name, data, opt)
	return out, err
}

func snapshots(name string, data []byte, opt Options) ([]*snapshot.Snapshot, error) {
	var out []*snapshot.Snapshot
	var err error
	head := bytes.TrimLeft(data[:min(len(data), 8192)], " \t\r\n\ufeff")
	switch {
	case bytes.Contains(head, []byte(`"cascade.snapshot/`)):
		out, err = inventory(name, data)
	case bytes.Contains(head, []byte(`"bomFormat"`)) && bytes.Contains(head, []byte("CycloneDX")):
		out, err = cyclone(name, data, true, opt)
	case bytes.HasPrefix(head, []byte("<")) && bytes.Contains(head, []byte("cyclonedx")):
		out, err = cyclone(name, data, false, opt)
	case bytes.Contains(head, []byte(`"spdxVersion"`)):
		out, err = spdxDoc(name, data, true, opt)
	case bytes.Contains(head, []byte("SPDXVersion:")):
		out, err = spdxDoc(name, data, false, opt)
	default:
		return nil, fmt.Errorf("%s: %w", name, ErrUnknownFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, s := range out {
		override(s, opt)
	}
	return out, nil
}

// inventory reads `cascade inventory` output: an object or an array.
func inventory(name string, data []byte) ([]*snapshot.Snapshot, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var many []*snapshot.Snapshot
		if err := json.Unmarshal(trimmed, &many); err != nil {
			return nil, err
		}
		if len(many) == 0 {
			return nil, errors.New("empty snapshot array")
		}
		for i, s := range many {
			if s == nil {
				return nil, fmt.Errorf("snapshot %d is null", i)
			}
		}
		return many, nil
	}
	var one snapshot.Snapshot
	if err := json.Unmarshal(trimmed, &one); err != nil {
		return nil, err
	}
	return []*snapshot.Snapshot{&one}, nil
}

func override(s *snapshot.Snapshot, opt Options) {
	if opt.HostID != "" {
		s.Host.ID = opt.HostID
	}
	if opt.HostName != "" {
		s.Host.Name = opt.HostName
	}
}

// newSBOMSnapshot starts a snapshot for an SBOM's subject.
func newSBOMSnapshot(subject, created string, opt Options) *snapshot.Snapshot {
	at := opt.Now
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z"} {
		if t, err := time.Parse(layout, strings.TrimSpace(created)); err == nil {
			at = t.UTC()
			break
		}
	}
	if subject == "" {
		subject = "unnamed"
	}
	return &snapshot.Snapshot{Schema: snapshot.Schema,
		Host: snapshot.Host{ID: "sbom:" + subject, Name: subject, OS: "unknown", Source: "sbom", CollectedAt: at, Collector: "sbom"}}
}

// ecosystem maps a package URL's type to a snapshot ecosystem.
func ecosystem(purl string) string {
	t, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "sbom"
	}
	if i := strings.IndexByte(t, '/'); i > 0 {
		t = t[:i]
	}
	switch strings.ToLower(t) {
	case "deb":
		return "dpkg"
	case "rpm", "apk", "npm", "pypi", "gem", "cargo", "golang", "maven", "nuget":
		return strings.ToLower(t)
	}
	return "sbom"
}

// digestField keeps a digest only when it is valid hex of its length.
func digestField(v string, n int) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) != n {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if !(v[i] >= '0' && v[i] <= '9' || v[i] >= 'a' && v[i] <= 'f') {
			return ""
		}
	}
	return v
}
