package output

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// namespace is cascade's UUIDv5 namespace for derived STIX objects.
var namespace = [16]byte{0x6b, 0x2f, 0x1c, 0x0e, 0x8a, 0x4d, 0x5f, 0x31, 0x9e, 0x07, 0x3c, 0x52, 0xd1, 0x9a, 0x44, 0x18}

// stixID is TYPE--UUIDv5(namespace, TYPE + content): the same content gets
// the same id in every run.
func stixID(typ string, content ...string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(typ + "\x00" + strings.Join(content, "\x00")))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return fmt.Sprintf("%s--%s-%s-%s-%s-%s", typ, x[:8], x[8:12], x[12:16], x[16:20], x[20:])
}

type object = map[string]any

// STIX writes a STIX 2.1 bundle of the intel a forward trace derives:
// indicators for each suspect release's digests and for its name and
// version, each derived-from the seed its path starts at, and a report
// summarising the trace. Objects are created at the trace's time (At), so
// the same trace at the same --at gives identical bytes.
func STIX(w io.Writer, r *cascade.Result) error {
	created := r.At.UTC().Format("2006-01-02T15:04:05.000Z")
	base := func(typ, id string) object {
		return object{"type": typ, "spec_version": "2.1", "id": id, "created": created, "modified": created}
	}
	reached := r.Reached()
	seedObj := map[string]string{}
	var objs []object
	var refs []string
	add := func(o object) { objs = append(objs, o); refs = append(refs, o["id"].(string)) }
	for _, re := range reached {
		if re.Seed {
			o := seedObject(base, re)
			seedObj[re.Node.ID] = o["id"].(string)
			add(o)
		}
	}
	var lines []string
	for _, re := range reached {
		if !re.Suspect {
			continue
		}
		seed := seedObj[re.Path[0].Node]
		desc := fmt.Sprintf("Suspect: %s was built or assembled after the compromise reached it (earliest %s, confidence %.3g). Path: %s.",
			re.Node.ID, stamp(re.Time), re.Confidence, pathString(re.Path))
		lines = append(lines, fmt.Sprintf("- %s (earliest %s): %s", re.Node.ID, stamp(re.Time), pathString(re.Path)))
		for _, ind := range releaseIndicators(base, re, seed, desc) {
			add(ind)
			rel := base("relationship", stixID("relationship", ind["id"].(string), "derived-from", seed))
			rel["relationship_type"], rel["source_ref"], rel["target_ref"] = "derived-from", ind["id"], seed
			add(rel)
		}
	}
	rep := base("report", stixID("report", refs...))
	rep["name"] = "cascade trace from " + strings.Join(seedNames(r), ", ")
	rep["published"] = created
	rep["report_types"] = []string{"indicator"}
	rep["description"] = fmt.Sprintf("Forward cascade trace. %s.\n%d nodes reached, %d suspect releases:\n%s",
		strings.Join(settings(&r.Options), "; "), len(reached), len(lines), strings.Join(lines, "\n"))
	rep["object_refs"] = refs
	objs = append(objs, rep)
	bundle := object{"type": "bundle", "id": stixID("bundle", rep["id"].(string)), "objects": objs}
	return writeJSON(w, bundle)
}

func seedNames(r *cascade.Result) []string {
	var s []string
	for _, sd := range r.Seeds {
		s = append(s, sd.Node+" @ "+stamp(sd.Time))
	}
	return s
}

// seedObject stands for a seed: an indicator for a release or package, an
// infrastructure object for a host, an identity for an organization.
func seedObject(base func(string, string) object, re cascade.Reach) object {
	n := re.Node
	switch n.Kind {
	case cascade.Release, cascade.Package:
		if p := patterns(n); len(p) > 0 {
			pat := strings.Join(p, " OR ")
			o := base("indicator", stixID("indicator", "seed", pat))
			o["name"] = "compromised " + label(n)
			o["indicator_types"] = []string{"compromised"}
			o["pattern"], o["pattern_type"], o["valid_from"] = pat, "stix", stampMillis(re.Time)
			return o
		}
	case cascade.Org:
		o := base("identity", stixID("identity", n.ID))
		o["name"], o["identity_class"] = first(n.Name, n.ID), "organization"
		return o
	}
	o := base("infrastructure", stixID("infrastructure", n.ID))
	o["name"] = first(n.Name, n.ID)
	o["description"] = fmt.Sprintf("cascade node %s (%s), compromised by %s", n.ID, re.Kind, stamp(re.Time))
	return o
}

// releaseIndicators: one indicator per pattern (digests, then name and version).
func releaseIndicators(base func(string, string) object, re cascade.Reach, seed, desc string) []object {
	var out []object
	for _, p := range patterns(re.Node) {
		o := base("indicator", stixID("indicator", p, seed))
		o["name"] = "suspect " + label(re.Node)
		o["description"] = desc
		o["indicator_types"] = []string{"compromised"}
		o["pattern"], o["pattern_type"], o["valid_from"] = p, "stix", stampMillis(re.Time)
		o["confidence"] = int(math.Round(re.Confidence * 100))
		out = append(out, o)
	}
	return out
}

// patterns are a release's STIX patterns: its file digests, then its
// software name and version.
func patterns(n cascade.Node) []string {
	var out []string
	algs := make([]string, 0, len(n.Digests))
	for a := range n.Digests {
		algs = append(algs, a)
	}
	slices.Sort(algs)
	var terms []string
	for _, a := range algs {
		if name, ok := hashNames[strings.ToLower(a)]; ok {
			terms = append(terms, fmt.Sprintf("file:hashes.%s = '%s'", name, strings.ToLower(n.Digests[a])))
		}
	}
	if len(terms) > 0 {
		out = append(out, "["+strings.Join(terms, " OR ")+"]")
	}
	if n.Name != "" && n.Version != "" {
		p := fmt.Sprintf("[software:name = '%s' AND software:version = '%s'", quote(n.Name), quote(n.Version))
		if n.Vendor != "" {
			p += fmt.Sprintf(" AND software:vendor = '%s'", quote(n.Vendor))
		}
		out = append(out, p+"]")
	}
	return out
}

var hashNames = map[string]string{"sha256": "'SHA-256'", "sha1": "'SHA-1'", "md5": "MD5", "sha512": "'SHA-512'"}

func quote(s string) string { return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) }

func label(n cascade.Node) string {
	if n.Name != "" && n.Version != "" {
		return n.Name + " " + n.Version
	}
	return n.ID
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func stampMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
