package fleet

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Limits bound what one snapshot may hold; the server refuses larger ones.
type Limits struct {
	Software  int
	Files     int
	Artifacts int
	Errors    int
	// String caps every text field in bytes.
	String int
}

// DefaultLimits fit a large workstation or server image.
var DefaultLimits = Limits{Software: 200_000, Files: 5_000_000, Artifacts: 1_000_000, Errors: 100_000, String: 8192}

// ValidateSnapshot checks a snapshot received from outside: schema, host,
// time, record counts, field sizes and digest syntax. It names the first
// bad record.
func ValidateSnapshot(s *snapshot.Snapshot, lim Limits, now time.Time) error {
	if s.Schema != snapshot.Schema {
		return fmt.Errorf("schema is %q, want %q", truncate(s.Schema, 64), snapshot.Schema)
	}
	if err := validHost(&s.Host, lim); err != nil {
		return err
	}
	if s.Host.CollectedAt.After(now.Add(10 * time.Minute)) {
		return fmt.Errorf("host.collected_at %s is in the future", s.Host.CollectedAt.Format(time.RFC3339))
	}
	switch {
	case len(s.Software) > lim.Software:
		return fmt.Errorf("%d software records exceed the limit of %d", len(s.Software), lim.Software)
	case len(s.Files) > lim.Files:
		return fmt.Errorf("%d files exceed the limit of %d", len(s.Files), lim.Files)
	case len(s.Artifacts) > lim.Artifacts:
		return fmt.Errorf("%d artifacts exceed the limit of %d", len(s.Artifacts), lim.Artifacts)
	case len(s.Errors) > lim.Errors:
		return fmt.Errorf("%d errors exceed the limit of %d", len(s.Errors), lim.Errors)
	}
	if err := validStrings(lim, s.ID); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	for i := range s.Software {
		if err := validSoftware(&s.Software[i], lim); err != nil {
			return fmt.Errorf("software %d: %w", i, err)
		}
	}
	for i := range s.Files {
		if err := validFile(&s.Files[i], lim); err != nil {
			return fmt.Errorf("file %d: %w", i, err)
		}
	}
	for i := range s.Artifacts {
		a := &s.Artifacts[i]
		if err := validStrings(lim, a.Kind, a.URL, a.Domain, a.IP, a.TargetPath, a.Browser, a.User, a.Source); err != nil {
			return fmt.Errorf("artifact %d: %w", i, err)
		}
	}
	return nil
}

func validHost(h *snapshot.Host, lim Limits) error {
	if h.ID == "" {
		return errors.New("host.id is required")
	}
	if len(h.ID) > 256 {
		return errors.New("host.id is longer than 256 bytes")
	}
	if h.CollectedAt.IsZero() {
		return errors.New("host.collected_at is required")
	}
	if err := validStrings(lim, h.ID, h.Name, h.OS, h.OSVersion, h.Arch, h.Source, h.Collector); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	return nil
}

func validSoftware(s *snapshot.Software, lim Limits) error {
	if s.Name == "" {
		return errors.New("name is required")
	}
	return validStrings(lim, s.Name, s.Identifier, s.Vendor, s.Version, s.BuildVersion, s.Arch, s.Platform,
		s.Ecosystem, s.Scope, s.User, s.Source, s.InstallPath)
}

func validFile(f *snapshot.File, lim Limits) error {
	if f.Path == "" {
		return errors.New("path is required")
	}
	if f.Size < 0 {
		return errors.New("negative size")
	}
	for _, d := range []struct {
		name, v string
		n       int
	}{{"sha256", f.SHA256, 64}, {"sha1", f.SHA1, 40}, {"md5", f.MD5, 32}} {
		if d.v == "" {
			continue
		}
		if len(d.v) != d.n {
			return fmt.Errorf("%s has %d characters, want %d", d.name, len(d.v), d.n)
		}
		if _, err := hex.DecodeString(d.v); err != nil {
			return fmt.Errorf("%s is not hex", d.name)
		}
	}
	if len(f.Meta) > 256 || len(f.Signatures) > 64 || len(f.Anomalies) > 256 {
		return errors.New("too many meta entries, signatures or anomalies")
	}
	return validStrings(lim, f.Path, f.Type, f.User)
}

func validStrings(lim Limits, ss ...string) error {
	for _, s := range ss {
		if len(s) > lim.String {
			return fmt.Errorf("a field of %d bytes exceeds the limit of %d", len(s), lim.String)
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("field %q is not valid UTF-8", truncate(s, 40))
		}
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("field %q contains a NUL byte", truncate(s, 40))
		}
	}
	return nil
}
