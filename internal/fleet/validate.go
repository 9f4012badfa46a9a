package fleet

import (
	"encoding/hex"
	"fmt"
	"strconv"
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
	// String caps every text field in bytes (host fields have their own,
	// smaller caps: HostField).
	String int
}

// DefaultLimits fit a large workstation or server image.
var DefaultLimits = Limits{Software: 200_000, Files: 5_000_000, Artifacts: 1_000_000, Errors: 100_000, String: 8192}

// Caps of the lists inside one record and of the host's fields, which
// every host list shows.
const (
	HostField     = 256 // host.id, name, os_version, collector
	HostWord      = 64  // host.os, arch, source
	maxRoots      = 1024
	maxSkipped    = 256
	maxMeta       = 256
	maxSignatures = 64
	maxChain      = 32
	maxFlags      = 64
	maxAnomalies  = 256
)

// FieldError names the field of a refused snapshot or host by its path in
// the JSON document, such as files[12].meta.product.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErr(field, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

// Character classes of text fields. Every field must be valid UTF-8
// without NUL (PostgreSQL cannot store it); a word (an enumeration, a
// digest, a host's name) also has no other control character. Free text
// — paths, names read from a registry, error messages — keeps the rest:
// it is evidence from the machine, odd characters included.
const (
	classText = iota
	classWord
)

// checkText returns what is wrong with v, or "".
func checkText(v string, max, class int) string {
	if len(v) > max {
		return fmt.Sprintf("%d bytes exceed the limit of %d", len(v), max)
	}
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == 0:
			return "contains a NUL byte"
		case class == classWord && (c < 0x20 || c == 0x7f):
			return fmt.Sprintf("contains the control character %#02x", c)
		}
	}
	return ""
}

// field is one text field to check: its name in the record, its value,
// its cap and its class.
type field struct {
	name  string
	v     string
	max   int
	class int
}

func checkFields(prefix string, fs []field) error {
	for _, f := range fs {
		if p := checkText(f.v, f.max, f.class); p != "" {
			return &FieldError{Field: prefix + f.name, Problem: p}
		}
	}
	return nil
}

// ValidateHost checks a host as sent at enrollment or in a snapshot: its
// id is required and every field is within its cap.
func ValidateHost(h *snapshot.Host) error {
	if h.ID == "" {
		return fieldErr("host.id", "is required")
	}
	return checkFields("host.", []field{
		{"id", h.ID, HostField, classWord}, {"name", h.Name, HostField, classWord},
		{"os", h.OS, HostWord, classWord}, {"os_version", h.OSVersion, HostField, classWord},
		{"arch", h.Arch, HostWord, classWord}, {"source", h.Source, HostWord, classWord},
		{"collector", h.Collector, HostField, classWord},
	})
}

// ValidateSnapshot checks a snapshot received from outside: schema, host,
// time, record counts, field sizes and characters, and digest syntax. It
// names the first bad field.
func ValidateSnapshot(s *snapshot.Snapshot, lim Limits, now time.Time) error {
	if err := validateHeader(s, lim, now); err != nil {
		return err
	}
	for i := range s.Software {
		if err := validSoftware(i, &s.Software[i], lim); err != nil {
			return err
		}
	}
	for i := range s.Files {
		if err := validFile(i, &s.Files[i], lim); err != nil {
			return err
		}
	}
	for i := range s.Artifacts {
		if err := validArtifact(i, &s.Artifacts[i], lim); err != nil {
			return err
		}
	}
	for i := range s.Errors {
		if err := validPathError(i, &s.Errors[i], lim); err != nil {
			return err
		}
	}
	for i, r := range s.Roots {
		if p := checkText(r, lim.String, classText); p != "" {
			return fieldErr(index("roots", i), "%s", p)
		}
	}
	return nil
}

// validateHeader checks everything but the records of the four lists.
func validateHeader(s *snapshot.Snapshot, lim Limits, now time.Time) error {
	if s.Schema != snapshot.Schema {
		return fieldErr("schema", "is %q, want %q", truncate(s.Schema, 64), snapshot.Schema)
	}
	if err := ValidateHost(&s.Host); err != nil {
		return err
	}
	if s.Host.CollectedAt.IsZero() {
		return fieldErr("host.collected_at", "is required")
	}
	if s.Host.CollectedAt.After(now.Add(10 * time.Minute)) {
		return fieldErr("host.collected_at", "%s is in the future", s.Host.CollectedAt.Format(time.RFC3339))
	}
	for _, c := range []struct {
		name   string
		n, max int
	}{{"software", len(s.Software), lim.Software}, {"files", len(s.Files), lim.Files},
		{"artifacts", len(s.Artifacts), lim.Artifacts}, {"errors", len(s.Errors), lim.Errors},
		{"roots", len(s.Roots), maxRoots}, {"skipped", len(s.Skipped), maxSkipped}} {
		if c.n > c.max {
			return fieldErr(c.name, "%d entries exceed the limit of %d", c.n, c.max)
		}
	}
	if p := checkText(s.ID, HostField, classWord); p != "" {
		return fieldErr("id", "%s", p)
	}
	for k := range s.Skipped {
		if p := checkText(k, HostWord, classWord); p != "" {
			return fieldErr("skipped."+quoteKey(k), "%s", p)
		}
	}
	return nil
}

func index(list string, i int) string { return list + "[" + strconv.Itoa(i) + "]" }

// quoteKey writes a map key for a field path: as is when it is a short
// plain word, quoted otherwise.
func quoteKey(k string) string {
	if len(k) <= 64 && checkText(k, 64, classWord) == "" {
		return k
	}
	return strconv.Quote(truncate(k, 40))
}

func validSoftware(i int, s *snapshot.Software, lim Limits) error {
	at := index("software", i) + "."
	if s.Name == "" {
		return fieldErr(at+"name", "is required")
	}
	S := lim.String
	return checkFields(at, []field{
		{"name", s.Name, S, classText}, {"identifier", s.Identifier, S, classText}, {"vendor", s.Vendor, S, classText},
		{"version", s.Version, S, classText}, {"build_version", s.BuildVersion, S, classText},
		{"arch", s.Arch, HostWord, classWord}, {"source_package", s.SourcePackage, S, classText},
		{"platform", s.Platform, S, classText}, {"ecosystem", s.Ecosystem, HostWord, classWord},
		{"scope", s.Scope, HostWord, classWord}, {"user", s.User, S, classText}, {"source", s.Source, S, classText},
		{"install_path", s.InstallPath, S, classText},
	})
}

func validFile(i int, f *snapshot.File, lim Limits) error {
	at := index("files", i) + "."
	if f.Path == "" {
		return fieldErr(at+"path", "is required")
	}
	if f.Size < 0 {
		return fieldErr(at+"size", "is negative")
	}
	for _, d := range []struct {
		name, v string
		n       int
	}{{"sha256", f.SHA256, 64}, {"sha1", f.SHA1, 40}, {"md5", f.MD5, 32}} {
		if d.v == "" {
			continue
		}
		if len(d.v) != d.n {
			return fieldErr(at+d.name, "has %d characters, want %d", len(d.v), d.n)
		}
		if _, err := hex.DecodeString(d.v); err != nil {
			return fieldErr(at+d.name, "is not hex")
		}
	}
	if err := checkFields(at, []field{{"path", f.Path, lim.String, classText}, {"type", f.Type, HostWord, classWord},
		{"user", f.User, lim.String, classText}}); err != nil {
		return err
	}
	switch {
	case len(f.Meta) > maxMeta:
		return fieldErr(at+"meta", "%d entries exceed the limit of %d", len(f.Meta), maxMeta)
	case len(f.Signatures) > maxSignatures:
		return fieldErr(at+"signatures", "%d entries exceed the limit of %d", len(f.Signatures), maxSignatures)
	case len(f.Anomalies) > maxAnomalies:
		return fieldErr(at+"anomalies", "%d entries exceed the limit of %d", len(f.Anomalies), maxAnomalies)
	}
	for k, v := range f.Meta {
		if p := checkText(k, HostField, classWord); p != "" {
			return fieldErr(at+"meta."+quoteKey(k), "key %s", p)
		}
		if p := checkText(v, lim.String, classText); p != "" {
			return fieldErr(at+"meta."+k, "%s", p)
		}
	}
	for j := range f.Signatures {
		if err := validSignature(at+index("signatures", j)+".", &f.Signatures[j], lim); err != nil {
			return err
		}
	}
	for j, a := range f.Anomalies {
		if err := checkFields(at+index("anomalies", j)+".", []field{{"kind", a.Kind, HostWord, classWord},
			{"detail", a.Detail, lim.String, classText}}); err != nil {
			return err
		}
	}
	return nil
}

func validSignature(at string, g *snapshot.Signature, lim Limits) error {
	S := lim.String
	if err := checkFields(at, []field{
		{"format", g.Format, HostWord, classWord}, {"arch", g.Arch, HostWord, classWord},
		{"digest_algorithm", g.DigestAlgorithm, HostWord, classWord}, {"signed_digest", g.SignedDigest, S, classWord},
		{"computed_digest", g.ComputedDigest, S, classWord}, {"program_name", g.ProgramName, S, classText},
		{"program_url", g.ProgramURL, S, classText}, {"chain_error", g.ChainError, S, classText},
		{"chain_weak", g.ChainWeak, S, classText}, {"signature_error", g.SignatureError, S, classText},
		{"error", g.Error, S, classText}, {"catalog", g.Catalog, S, classText},
		{"catalog_member", g.CatalogMember, S, classText}, {"identifier", g.Identifier, S, classText},
		{"team_id", g.TeamID, S, classText}, {"cdhash", g.CDHash, S, classWord},
	}); err != nil {
		return err
	}
	if len(g.Chain) > maxChain {
		return fieldErr(at+"chain", "%d entries exceed the limit of %d", len(g.Chain), maxChain)
	}
	if len(g.Flags) > maxFlags {
		return fieldErr(at+"flags", "%d entries exceed the limit of %d", len(g.Flags), maxFlags)
	}
	for j, fl := range g.Flags {
		if p := checkText(fl, HostWord, classWord); p != "" {
			return fieldErr(at+index("flags", j), "%s", p)
		}
	}
	if err := validCert(at+"signer.", g.Signer, lim); err != nil {
		return err
	}
	for j := range g.Chain {
		if err := validCert(at+index("chain", j)+".", &g.Chain[j], lim); err != nil {
			return err
		}
	}
	if ts := g.Timestamp; ts != nil {
		if err := checkFields(at+"timestamp.", []field{{"kind", ts.Kind, HostWord, classWord},
			{"authority", ts.Authority, S, classText}, {"error", ts.Error, S, classText},
			{"chain_error", ts.ChainError, S, classText}, {"chain_weak", ts.ChainWeak, S, classText}}); err != nil {
			return err
		}
		return validCert(at+"timestamp.signer.", ts.Signer, lim)
	}
	return nil
}

func validCert(at string, c *snapshot.Certificate, lim Limits) error {
	if c == nil {
		return nil
	}
	S := lim.String
	return checkFields(at, []field{{"subject", c.Subject, S, classText}, {"common_name", c.CommonName, S, classText},
		{"organization", c.Organization, S, classText}, {"issuer", c.Issuer, S, classText},
		{"serial", c.Serial, S, classWord}, {"sha1", c.SHA1, S, classWord}, {"sha256", c.SHA256, S, classWord}})
}

func validArtifact(i int, a *snapshot.Artifact, lim Limits) error {
	S := lim.String
	if err := checkFields(index("artifacts", i)+".", []field{
		{"kind", a.Kind, HostWord, classWord}, {"url", a.URL, S, classText}, {"domain", a.Domain, S, classText},
		{"ip", a.IP, HostWord, classWord}, {"target_path", a.TargetPath, S, classText},
		{"browser", a.Browser, S, classText}, {"user", a.User, S, classText}, {"source", a.Source, S, classText},
	}); err != nil {
		return err
	}
	return validLive(index("artifacts", i)+".", a, lim)
}

// maxModules caps a process record's modules (the sweep keeps 256).
const maxModules = 1024

// validLive checks the live-state facts of a process or connection record.
func validLive(at string, a *snapshot.Artifact, lim Limits) error {
	S := lim.String
	if p := a.Process; p != nil {
		if err := checkFields(at+"process.", []field{{"name", p.Name, HostField, classText},
			{"image", p.Image, S, classText}, {"sha256", p.SHA256, HostWord, classWord},
			{"cmdline", p.Cmdline, S, classText}, {"user", p.User, HostField, classText}}); err != nil {
			return err
		}
		if len(p.Modules) > maxModules {
			return &FieldError{Field: at + "process.modules", Problem: fmt.Sprintf("%d entries exceed the limit of %d", len(p.Modules), maxModules)}
		}
		for j, m := range p.Modules {
			if err := checkFields(at+"process.", []field{{index("modules", j), m, S, classText}}); err != nil {
				return err
			}
		}
	}
	if c := a.Conn; c != nil {
		return checkFields(at+"connection.", []field{{"protocol", c.Protocol, HostWord, classWord},
			{"local_ip", c.LocalIP, HostWord, classWord}, {"state", c.State, HostWord, classWord},
			{"image", c.Image, S, classText}})
	}
	return nil
}

func validPathError(i int, e *snapshot.PathError, lim Limits) error {
	S := lim.String
	return checkFields(index("errors", i)+".", []field{{"path", e.Path, S, classText},
		{"stage", e.Stage, HostField, classWord}, {"error", e.Err, S, classText}})
}
