package intel

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// Validate checks every record and returns all problems, each naming the
// record it is about.
func (in *Intel) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		if err := ind.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("indicator %d (%s): %w", i, ind.ID, err))
		}
		if ind.ID != "" && seen[ind.ID] {
			errs = append(errs, fmt.Errorf("indicator %d: duplicate id %q", i, ind.ID))
		}
		seen[ind.ID] = true
	}
	for i, a := range in.Advisories {
		if err := a.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("advisory %d (%s): %w", i, a.ID, err))
		}
	}
	for i, x := range in.Incidents {
		if x.ID == "" || x.Name == "" {
			errs = append(errs, fmt.Errorf("incident %d: id and name are required", i))
		}
		for j, r := range x.Relations {
			if r.Incident == "" || r.Relation == "" || r.Incident == x.ID || len(r.Relation) > 200 {
				errs = append(errs, fmt.Errorf("incident %d (%s): relation %d needs another incident and a relation of at most 200 characters", i, x.ID, j))
			}
		}
	}
	for i, a := range in.Actors {
		if a.ID == "" || a.Name == "" {
			errs = append(errs, fmt.Errorf("actor %d: id and name are required", i))
		}
	}
	for i := range in.Warninglists {
		if err := in.Warninglists[i].Validate(); err != nil {
			errs = append(errs, fmt.Errorf("warninglist %d (%s): %w", i, in.Warninglists[i].Name, err))
		}
	}
	return errors.Join(errs...)
}

// Validate checks one indicator's value against its type.
func (ind *Indicator) Validate() error {
	if ind.ID == "" {
		return errors.New("id is required")
	}
	if ind.Score < 0 || ind.Score > 100 {
		return fmt.Errorf("score %d is outside 0..100", ind.Score)
	}
	if !ind.ValidUntil.IsZero() && !ind.ValidFrom.IsZero() && ind.ValidUntil.Before(ind.ValidFrom) {
		return errors.New("valid_until is before valid_from")
	}
	if len(ind.SameFile) > 0 && !ind.Type.IsHash() {
		return fmt.Errorf("same_file is for digest indicators, not %s", ind.Type)
	}
	if err := ind.validFileTypes(); err != nil {
		return err
	}
	switch ind.Type {
	case SHA256, SHA1, MD5:
		if err := validHex(ind.Value, ind.Type.HexLen()); err != nil {
			return err
		}
		return ind.validSameFile()
	case Domain:
		return ValidDomain(ind.Value)
	case URL:
		return validURL(ind.Value)
	case IP:
		return validIP(ind.Value)
	case Filename:
		if _, err := CompileFilenameRegex(ind.Value); err != nil {
			return err
		}
		if ind.FalsePositive != "" {
			if _, err := CompileFilenameRegex(ind.FalsePositive); err != nil {
				return fmt.Errorf("false_positive: %w", err)
			}
		}
		return nil
	case Path:
		if strings.TrimSpace(ind.Value) == "" {
			return errors.New("empty path")
		}
		return nil
	case Signer:
		if ind.Signer == nil || *ind.Signer == (SignerSpec{}) {
			return errors.New("signer indicator needs at least one of subject, issuer, serial, thumbprint")
		}
		return nil
	case STIX:
		if _, err := stixpattern.Parse(ind.Pattern); err != nil {
			return fmt.Errorf("stix pattern: %w", err)
		}
		return nil
	case YARA, OtherPattern:
		if ind.Pattern == "" {
			return errors.New("pattern is required")
		}
		return nil
	}
	return fmt.Errorf("unknown type %q", ind.Type)
}

// validSameFile checks a digest indicator's same-file digests: other
// algorithms than its own, each a well-formed digest.
func (ind *Indicator) validSameFile() error {
	for t, v := range ind.SameFile {
		if !t.IsHash() || t == ind.Type {
			return fmt.Errorf("same_file: %q is not another digest type than %s", t, ind.Type)
		}
		if err := validHex(v, t.HexLen()); err != nil {
			return fmt.Errorf("same_file %s: %w", t, err)
		}
	}
	return nil
}

// Validate checks an advisory has a product and something to match.
func (a *Advisory) Validate() error {
	switch {
	case a.ID == "":
		return errors.New("id is required")
	case a.Product == "":
		return errors.New("product is required")
	case len(a.Affected) == 0:
		return errors.New("affected is required")
	case a.Score < 0 || a.Score > 100:
		return fmt.Errorf("score %d is outside 0..100", a.Score)
	}
	for i, af := range a.Affected {
		if len(af.Versions) == 0 && len(af.Ranges) == 0 {
			return fmt.Errorf("affected %d: needs versions or ranges", i)
		}
	}
	return nil
}

func validHex(v string, n int) error {
	if len(v) != n {
		return fmt.Errorf("digest %q has %d characters, want %d", v, len(v), n)
	}
	if _, err := hex.DecodeString(v); err != nil {
		return fmt.Errorf("digest %q is not hex", v)
	}
	return nil
}

var labelRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

// ValidDomain checks a host name (lower or upper case, no scheme or port).
func ValidDomain(d string) error {
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	if d == "" || len(d) > 253 {
		return fmt.Errorf("domain %q has an invalid length", d)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("domain %q has a single label", d)
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return fmt.Errorf("domain %q has an invalid label %q", d, l)
		}
	}
	return nil
}

func validURL(v string) error {
	// Reports write "%d" for a number in a family of URLs (icon%d.ico).
	u, err := url.Parse(NormalizeURL(strings.NewReplacer("%d", "0", "%s", "x").Replace(v)))
	if err != nil {
		return fmt.Errorf("url %q: %w", v, err)
	}
	if u.Host == "" {
		return fmt.Errorf("url %q has no host", v)
	}
	return nil
}

func validIP(v string) error {
	if strings.Contains(v, "/") {
		if _, err := netip.ParsePrefix(v); err != nil {
			return fmt.Errorf("ip range %q: %w", v, err)
		}
		return nil
	}
	if _, err := netip.ParseAddr(v); err != nil {
		return fmt.Errorf("ip %q: %w", v, err)
	}
	return nil
}

// NormalizeURL adds a scheme to a scheme-less URL so it parses with a host
// (ident.NormalizeURL, which the matcher and the store share).
func NormalizeURL(v string) string { return ident.NormalizeURL(v) }

// CompileFilenameRegex compiles a signature-base style filename regex:
// case-insensitive, matched anywhere in the path.
func CompileFilenameRegex(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("(?i)" + expr)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	return re, nil
}

// validFileTypes checks a digest indicator's file types against the
// types a collection records.
func (ind *Indicator) validFileTypes() error {
	if len(ind.FileTypes) == 0 {
		return nil
	}
	if !ind.Type.IsHash() {
		return fmt.Errorf("file_types is for digest indicators, not %s", ind.Type)
	}
	for _, t := range ind.FileTypes {
		if !slices.Contains(FileTypeNames, t) {
			return fmt.Errorf("file_types: unknown file type %q (want one of %s)", t, strings.Join(FileTypeNames, ", "))
		}
	}
	return nil
}
