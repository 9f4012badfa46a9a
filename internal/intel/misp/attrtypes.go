package misp

import (
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// typed is one detection value of an attribute.
type typed struct {
	t           intel.Type
	value       string
	note        string // context split off a composite value
	patternType string
}

func (v typed) apply(ind *intel.Indicator) {
	ind.Type = v.t
	switch v.t {
	case intel.STIX, intel.YARA, intel.OtherPattern:
		ind.Pattern, ind.PatternType = v.value, v.patternType
	case intel.Signer:
		ind.Signer = &intel.SignerSpec{Thumbprint: strings.ToLower(strings.ReplaceAll(v.value, ":", ""))}
	default:
		ind.Value = v.value
	}
	if v.note != "" {
		ind.Description = strings.TrimSpace(v.note + "; " + ind.Description)
	}
}

// hashTypes are MISP's digest attribute types cascade can match.
var hashTypes = map[string]intel.Type{"md5": intel.MD5, "sha1": intel.SHA1, "sha256": intel.SHA256}

// typedValues splits an attribute into detection values; nil means the
// type is not one cascade detects with.
func typedValues(typ, value string) []typed {
	if t, ok := hashTypes[typ]; ok {
		return []typed{{t: t, value: strings.ToLower(value)}}
	}
	if name, hash, ok := strings.Cut(typ, "|"); ok && name == "filename" {
		if t, ok := hashTypes[hash]; ok {
			fn, h := splitComposite(value)
			return []typed{{t: t, value: strings.ToLower(h), note: "file name " + fn}}
		}
	}
	switch typ {
	case "domain", "hostname":
		return []typed{{t: intel.Domain, value: strings.ToLower(value)}}
	case "hostname|port":
		h, _ := splitComposite(value)
		return []typed{{t: intel.Domain, value: strings.ToLower(h)}}
	case "domain|ip":
		d, ip := splitComposite(value)
		return []typed{{t: intel.Domain, value: strings.ToLower(d)}, {t: intel.IP, value: ip}}
	case "url":
		return []typed{{t: intel.URL, value: value}}
	case "ip-dst", "ip-src":
		return []typed{{t: intel.IP, value: value}}
	case "ip-dst|port", "ip-src|port":
		ip, port := splitLast(value)
		return []typed{{t: intel.IP, value: ip, note: "port " + port}}
	case "filename":
		return []typed{{t: intel.Filename, value: filenameRegex(value)}}
	case "x509-fingerprint-sha1", "x509-fingerprint-sha256":
		return []typed{{t: intel.Signer, value: value}}
	case "yara":
		return []typed{{t: intel.YARA, value: value, patternType: "yara"}}
	case "stix2-pattern":
		return []typed{{t: intel.STIX, value: value, patternType: "stix"}}
	case "sigma", "snort", "bro", "zeek", "pattern-in-file", "pattern-in-traffic", "pattern-in-memory":
		return []typed{{t: intel.OtherPattern, value: value, patternType: typ}}
	}
	return nil
}

// splitComposite splits "a|b" at the first bar.
func splitComposite(v string) (string, string) {
	a, b, _ := strings.Cut(v, "|")
	return strings.TrimSpace(a), strings.TrimSpace(b)
}

// splitLast splits "addr|port" at the last bar (IPv6 addresses have none,
// but be safe with odd input).
func splitLast(v string) (string, string) {
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return v, ""
	}
	return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+1:])
}

// filenameRegex is a filename indicator for a MISP file name: the name as
// the last path component, case-insensitive like the built-in packs. A
// name given with a directory matches that path's end.
func filenameRegex(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	parts := strings.Split(strings.Trim(name, "/"), "/")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return `(^|[\\/])` + strings.Join(parts, `[\\/]`) + `$`
}
