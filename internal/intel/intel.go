// Package intel is the threat-intelligence model: indicators, advisories,
// incidents and actors, each carrying the sources it came from. Loaders for
// specific formats live in sub-packages and all produce an *Intel.
package intel

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schema is the version tag of cascade's own intel format.
const Schema = "cascade.intel/v1"

// Type is an indicator type.
type Type string

// Indicator types.
const (
	SHA256 Type = "sha256"
	SHA1   Type = "sha1"
	MD5    Type = "md5"
	// Filename is a regular expression over a file's full path, in the
	// signature-base convention (case-insensitive, `\\` separators allowed);
	// FalsePositive is an optional regex that cancels a match.
	Filename Type = "filename"
	// Path is a glob over a file's path with environment placeholders
	// (%LOCALAPPDATA%, %PROGRAMDATA%, ~ and <dir>-style wildcards).
	Path   Type = "path"
	Domain Type = "domain"
	// URL matches the address of a visit or download; its host alone never
	// matches.
	URL    Type = "url"
	IP     Type = "ip" // an address or a CIDR range
	Signer Type = "signer"
	STIX   Type = "stix"
	YARA   Type = "yara"
	// OtherPattern keeps a pattern in a language cascade does not evaluate
	// (sigma, snort, suricata, pcre, …; PatternType names it), so listings
	// can report it as not evaluated instead of dropping it.
	OtherPattern Type = "pattern"
)

// IsHash reports whether t is a file-digest type.
func (t Type) IsHash() bool { return t == SHA256 || t == SHA1 || t == MD5 }

// HexLen is the length of a digest of type t in hex characters.
func (t Type) HexLen() int {
	switch t {
	case SHA256:
		return 64
	case SHA1:
		return 40
	case MD5:
		return 32
	}
	return 0
}

// Intel is a loaded body of intelligence from one or more sources.
type Intel struct {
	Sources    []Source    `json:"sources,omitempty"`
	Incidents  []Incident  `json:"incidents,omitempty"`
	Actors     []Actor     `json:"actors,omitempty"`
	Advisories []Advisory  `json:"advisories,omitempty"`
	Indicators []Indicator `json:"indicators,omitempty"`
	// HashLists hold large plain digest lists compactly.
	HashLists []*HashList `json:"-"`
	// Warninglists are known-benign values (MISP warninglists) whose
	// matches are suppressed as likely false positives.
	Warninglists []Warninglist `json:"-"`
	// Warnings are problems loaders worked around (unknown object types,
	// patterns kept but not evaluated), each naming its file and place.
	Warnings []string `json:"-"`
}

// Source is one intel document or feed that indicators came from.
type Source struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // pack, cascade, sigbase, stix, misp, csv, taxii
	Location    string `json:"location,omitempty"`
	Description string `json:"description,omitempty"`
}

// Indicator is one observable fact that means compromise.
type Indicator struct {
	ID    string `json:"id"`
	Type  Type   `json:"type"`
	Value string `json:"value,omitempty"`
	// Pattern and PatternType carry STIX and YARA patterns.
	Pattern     string `json:"pattern,omitempty"`
	PatternType string `json:"pattern_type,omitempty"`
	// FalsePositive is a regex that cancels a filename match.
	FalsePositive string      `json:"false_positive,omitempty"`
	Signer        *SignerSpec `json:"signer,omitempty"`
	Score         int         `json:"score"`
	Description   string      `json:"description,omitempty"`
	Incident      string      `json:"incident,omitempty"`
	// Sources are the IDs of the Sources that carry this indicator.
	Sources []string `json:"sources"`
	// References cite the public reports behind the indicator.
	References []string  `json:"references,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	Revoked    bool      `json:"revoked,omitempty"`
	// Custom keeps a source format's custom properties (STIX x_…) verbatim,
	// so an export writes them back.
	Custom map[string]json.RawMessage `json:"custom,omitempty"`
	// SameFile gives other digests of the file a digest indicator
	// describes, by algorithm, where a source gives them together ("same
	// file as", a STIX or MISP file object with several hashes). A scan
	// that finds the file by its SHA-256 computes this indicator's digest
	// for that file only, instead of for every file.
	SameFile map[Type]string `json:"same_file,omitempty"`
	// FileTypes are the file types (snapshot types: pe, elf, macho …) the
	// file a digest indicator names can have, where its source says what
	// the file is. A file's type is sniffed from its first bytes, so a
	// scan computes a SHA-1 or MD5 scoped this way only for files of these
	// types. Empty means any type.
	FileTypes []string `json:"file_types,omitempty"`
}

// FileTypeNames are the values FileTypes may hold: the file types a
// collection records (snapshot.Type*).
var FileTypeNames = []string{"pe", "elf", "macho", "ole", "msi", "zip", "dmg", "script", "other"}

// SignerSpec describes a code-signing identity, optionally limited to a
// signing-time window. Every non-empty field must match.
type SignerSpec struct {
	Subject string `json:"subject,omitempty"` // substring of the subject or exact CN/O
	Issuer  string `json:"issuer,omitempty"`
	Serial  string `json:"serial,omitempty"` // hex
	// Thumbprint is the certificate's SHA-1 or SHA-256 in hex.
	Thumbprint   string    `json:"thumbprint,omitempty"`
	SignedAfter  time.Time `json:"signed_after,omitzero"`
	SignedBefore time.Time `json:"signed_before,omitzero"`
}

// TagContext marks an indicator of a name or path that every install of a
// product has (3CX's ffmpeg.dll in its app folder): it is context, not a
// finding. The matcher keeps its score below a notice and joins it to a
// corroborated finding of the same incident on the same host. A tag, so
// STIX labels and MISP tags carry it unchanged.
const TagContext = "cascade:context"

// IsContext reports whether the indicator is tagged as context.
func (ind *Indicator) IsContext() bool { return slices.Contains(ind.Tags, TagContext) }

// ActiveAt reports whether the indicator is in force at t.
func (ind *Indicator) ActiveAt(t time.Time) bool {
	if ind.Revoked {
		return false
	}
	if !ind.ValidFrom.IsZero() && t.Before(ind.ValidFrom) {
		return false
	}
	if !ind.ValidUntil.IsZero() && !t.Before(ind.ValidUntil) {
		return false
	}
	return true
}

// Key identifies an indicator's content regardless of its source, for
// deduplication.
func (ind *Indicator) Key() string {
	v := ind.Value
	switch ind.Type {
	case SHA256, SHA1, MD5, Domain:
		v = strings.ToLower(v)
	case STIX, YARA:
		v = ind.Pattern
	case OtherPattern:
		v = ind.PatternType + "\x00" + ind.Pattern
	case Signer:
		v = ind.Signer.key()
	}
	return string(ind.Type) + "\x00" + v
}

// key identifies a signer spec's content; nil gives "".
func (s *SignerSpec) key() string {
	if s == nil {
		return ""
	}
	return strings.Join([]string{s.Subject, strings.ToLower(s.Issuer), strings.ToLower(s.Serial),
		strings.ToLower(s.Thumbprint), s.SignedAfter.String(), s.SignedBefore.String()}, "\x00")
}

// Advisory says which versions of a product are compromised.
type Advisory struct {
	ID       string `json:"id"`
	Incident string `json:"incident,omitempty"`
	Title    string `json:"title"`
	Product  string `json:"product"`
	Vendor   string `json:"vendor,omitempty"`
	// Aliases are other names the product is installed under: display names,
	// bundle identifiers, package names.
	Aliases     []string   `json:"aliases,omitempty"`
	Affected    []Affected `json:"affected"`
	Remediation string     `json:"remediation,omitempty"`
	Score       int        `json:"score"`
	Sources     []string   `json:"sources"`
	References  []string   `json:"references,omitempty"`
}

// Affected lists compromised versions of a product on one platform or in
// one package ecosystem.
type Affected struct {
	// Platform is windows, macos or linux; empty means any.
	Platform string `json:"platform,omitempty"`
	// Ecosystem restricts to a package world (dpkg, rpm, apk, npm, pypi,
	// windows, macos-app); empty means any.
	Ecosystem string `json:"ecosystem,omitempty"`
	// Versions are exact affected versions.
	Versions []string `json:"versions,omitempty"`
	// Ranges are half-open intervals [Introduced, Fixed).
	Ranges []Range `json:"ranges,omitempty"`
	// Fixed is the first clean version, for the remediation text.
	Fixed string `json:"fixed,omitempty"`
}

// Range is a version interval: Introduced ≤ v < Fixed. Either bound may be
// empty (unbounded).
type Range struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// Incident is a supply-chain compromise or campaign that indicators belong to.
type Incident struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Summary     string    `json:"summary,omitempty"`
	Actors      []string  `json:"actors,omitempty"` // Actor IDs
	Malware     []string  `json:"malware,omitempty"`
	Remediation string    `json:"remediation,omitempty"`
	Disclosed   time.Time `json:"disclosed,omitzero"`
	// Related names incidents this one led to or came from.
	Related []string `json:"related,omitempty"`
	// Relations say how this incident is tied to a related one, and who
	// says so (a related incident without one is just "related").
	Relations  []Relation `json:"relations,omitempty"`
	Sources    []string   `json:"sources,omitempty"`
	References []string   `json:"references,omitempty"`
}

// Relation is one incident's tie to another: what the other is to this
// one ("initial access came from", "led to") and the public source that
// establishes it.
type Relation struct {
	Incident  string `json:"incident"`
	Relation  string `json:"relation"`
	Reference string `json:"reference,omitempty"`
}

// RelationTo is this incident's relation to the incident id, if it
// names one.
func (x *Incident) RelationTo(id string) *Relation {
	for i := range x.Relations {
		if x.Relations[i].Incident == id {
			return &x.Relations[i]
		}
	}
	return nil
}

// Actor is a threat actor or intrusion set with the names it is known by.
type Actor struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind,omitempty"` // threat-actor, intrusion-set, campaign, malware
	Aliases     []Alias  `json:"aliases,omitempty"`
	Description string   `json:"description,omitempty"`
	Sources     []string `json:"sources,omitempty"`
}

// Alias is one name for an actor, with the source that uses it.
type Alias struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// Merge adds other's content to in. Indicators with the same content in
// the same incident are kept once with all their sources (the same domain
// in two incidents stays two indicators, so a finding names both); other records are kept by ID, the first
// one winning, with sources unioned.
func (in *Intel) Merge(other *Intel) {
	in.Sources = mergeByID(in.Sources, other.Sources, func(s Source) string { return s.ID },
		func(a *Source, b Source) {
			// A source known only by id (a STIX creator its bundle did
			// not describe) takes the record that names it.
			if a.Name == "" && b.Name != "" {
				*a = b
			}
		})
	in.Incidents = mergeByID(in.Incidents, other.Incidents, func(x Incident) string { return x.ID },
		func(a *Incident, b Incident) {
			a.Sources = union(a.Sources, b.Sources)
			// Ties to other incidents are facts like sources: one
			// document knowing them is enough.
			a.Related = union(slices.Clip(a.Related), b.Related)
			a.Relations = slices.Clip(a.Relations)
			for _, r := range b.Relations {
				if a.RelationTo(r.Incident) == nil {
					a.Relations = append(a.Relations, r)
				}
			}
		})
	in.Actors = mergeByID(in.Actors, other.Actors, func(x Actor) string { return x.ID },
		func(a *Actor, b Actor) {
			a.Sources = union(a.Sources, b.Sources)
			for _, al := range b.Aliases {
				if !slices.Contains(a.Aliases, al) {
					a.Aliases = append(a.Aliases, al)
				}
			}
		})
	in.Advisories = mergeByID(in.Advisories, other.Advisories, func(x Advisory) string { return x.ID },
		func(a *Advisory, b Advisory) { a.Sources = union(a.Sources, b.Sources) })
	in.Indicators = mergeByID(in.Indicators, other.Indicators, func(x Indicator) string { return x.Key() + "\x00" + x.Incident },
		func(a *Indicator, b Indicator) {
			a.Sources = union(a.Sources, b.Sources)
			a.References = union(a.References, b.References)
			a.Score = max(a.Score, b.Score)
			// Context only while every source says so: one source
			// calling it an indicator of its own is the stronger claim.
			if !b.IsContext() {
				a.Tags = slices.DeleteFunc(slices.Clone(a.Tags), func(t string) bool { return t == TagContext })
			}
			a.SameFile = mergeSameFile(a.SameFile, b.SameFile)
			a.FileTypes = MergeFileTypes(a.FileTypes, b.FileTypes)
		})
	in.HashLists = append(in.HashLists, other.HashLists...)
	in.Warnings = append(in.Warnings, other.Warnings...)
	in.Warninglists = mergeByID(in.Warninglists, other.Warninglists, func(w Warninglist) string { return w.Name }, nil)
}

// MergeFileTypes merges two sources' file types for one indicator: the
// union, since a wider scope never hides a file, and none (any type) when
// either source does not limit it.
func MergeFileTypes(a, b []string) []string {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	out := union(slices.Clone(a), b)
	slices.Sort(out)
	return slices.Compact(out)
}

// mergeSameFile unions two indicators' same-file digests. Sources that
// disagree about a digest of one file leave that digest out, so a scan
// computes the indicator's own digest for every file again.
func mergeSameFile(a, b map[Type]string) map[Type]string {
	if len(b) == 0 {
		return a
	}
	out := make(map[Type]string, len(a)+len(b))
	for t, v := range a {
		out[t] = v
	}
	for t, v := range b {
		if old, ok := a[t]; ok && !strings.EqualFold(old, v) {
			delete(out, t)
			continue
		}
		if _, ok := a[t]; !ok {
			out[t] = v
		}
	}
	return out
}

func mergeByID[T any](dst, src []T, key func(T) string, merge func(*T, T)) []T {
	if len(src) == 0 {
		return dst
	}
	at := make(map[string]int, len(dst))
	for i, x := range dst {
		at[key(x)] = i
	}
	for _, x := range src {
		k := key(x)
		if i, ok := at[k]; ok {
			if merge != nil {
				merge(&dst[i], x)
			}
			continue
		}
		at[k] = len(dst)
		dst = append(dst, x)
	}
	return dst
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

// Incident returns the incident with the given ID, or nil.
func (in *Intel) Incident(id string) *Incident {
	for i := range in.Incidents {
		if in.Incidents[i].ID == id {
			return &in.Incidents[i]
		}
	}
	return nil
}

// Source returns the source with the given ID, or nil.
func (in *Intel) Source(id string) *Source {
	for i := range in.Sources {
		if in.Sources[i].ID == id {
			return &in.Sources[i]
		}
	}
	return nil
}

// Actor returns the actor with the given ID, or nil.
func (in *Intel) Actor(id string) *Actor {
	for i := range in.Actors {
		if in.Actors[i].ID == id {
			return &in.Actors[i]
		}
	}
	return nil
}

// Counts summarizes the intel: indicators by type plus advisories.
func (in *Intel) Counts() map[string]int {
	c := map[string]int{}
	for _, ind := range in.Indicators {
		c[string(ind.Type)]++
	}
	for _, h := range in.HashLists {
		c[string(h.Type)] += h.Len()
	}
	if n := len(in.Advisories); n > 0 {
		c["advisory"] = n
	}
	if n := len(in.Warninglists); n > 0 {
		c["warninglist"] = n
	}
	return c
}

// LoadError is a problem in an intel file at a known place.
type LoadError struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Err    error
}

func (e *LoadError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }
