package match

import (
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/version"
)

// SoftwareFinding matches one installed product against the advisories:
// by name, bundle identifier or package name, then by platform, ecosystem
// and version.
func (s *Set) SoftwareFinding(host string, sw *snapshot.Software, at time.Time) (finding.Finding, bool) {
	var rs reasons
	seen := map[int]bool{}
	for _, name := range []string{sw.Name, sw.Identifier, sw.SourcePackage} {
		for _, ai := range s.advis[productKey(name)] {
			if seen[ai] {
				continue
			}
			seen[ai] = true
			a := &s.in.Advisories[ai]
			if v, ok := affects(a, sw); ok {
				rs.addAdvisory(a, v, fmt.Sprintf("%s %s installed: %s", sw.Name, sw.Version, a.Title))
			}
		}
	}
	if s.stix.active() {
		s.matchRow(&rs, softwareRow(sw, at, at, s.stix.wantPath), at)
	}
	if len(rs.list) == 0 {
		return finding.Finding{}, false
	}
	fd := s.newFinding(host, softwareEvidence(sw), rs, softwareIdentity(sw))
	fd.FirstSeen, fd.LastSeen = at, at // seen by cascade in this inventory
	if sw.InstallDate != nil {
		fd.Expose(*sw.InstallDate, installDateLabel(sw))
	}
	return fd, true
}

// affects reports whether the advisory covers the installed software, and
// the version it compared.
func affects(a *intel.Advisory, sw *snapshot.Software) (string, bool) {
	for _, af := range a.Affected {
		if af.Platform != "" && sw.Platform != "" && af.Platform != sw.Platform {
			continue
		}
		if af.Ecosystem != "" && af.Ecosystem != sw.Ecosystem {
			continue
		}
		for _, raw := range []string{sw.Version, sw.BuildVersion} {
			if raw == "" {
				continue
			}
			v := version.Upstream(sw.Ecosystem, raw)
			if versionAffected(af, sw.Ecosystem, v) {
				return raw, true
			}
		}
	}
	return "", false
}

// versionAffected reports whether upstream version v of an ecosystem is
// listed or in a range [introduced, fixed): the fixed release itself (a
// range's or the entry's Fixed) is clean. Versions compare by the ecosystem's rule (version.CompareIn), so
// a Windows "2" is the fixed "2.0", and a dpkg "5.6" is not "5.6.0".
func versionAffected(af intel.Affected, eco, v string) bool {
	if af.Fixed != "" && version.EqualIn(eco, v, af.Fixed) {
		return false // the fixed release is clean, whatever a list says
	}
	for _, x := range af.Versions {
		if version.EqualIn(eco, v, x) {
			return true
		}
	}
	for _, r := range af.Ranges {
		if r.Introduced != "" && version.CompareIn(eco, v, r.Introduced) < 0 {
			continue
		}
		if r.Fixed != "" && version.CompareIn(eco, v, r.Fixed) >= 0 {
			continue
		}
		return true
	}
	return false
}

// installDateLabel names the evidence of an install date: the record it
// was read from.
func installDateLabel(sw *snapshot.Software) string {
	if sw.InstallDateFrom != "" {
		return "installed (" + sw.InstallDateFrom + ")"
	}
	return "installed (" + sw.Source + ")"
}

func softwareEvidence(sw *snapshot.Software) finding.Evidence {
	return finding.Evidence{Kind: finding.EvidenceSoftware, Product: sw.Name, Version: sw.Version,
		Vendor: sw.Vendor, User: sw.User, Path: sw.InstallPath, Source: sw.Source}
}

func softwareIdentity(sw *snapshot.Software) string {
	return "software:" + sw.Source + "\x00" + sw.Name + "\x00" + sw.Version
}

// contentProducts are the products a file declares in its own metadata:
// an MSI's Property table, a PE's version resource. An installer in a
// Downloads folder is recognised by what it installs, whatever its name.
func contentProducts(f *snapshot.File) []snapshot.Software {
	var out []snapshot.Software
	add := func(kind, name, version, vendor string) {
		if name != "" && version != "" {
			// The product is a Windows product whatever declared it.
			out = append(out, snapshot.Software{Name: name, Version: version, Vendor: vendor,
				Platform: "windows", Ecosystem: "windows", Source: kind + ":" + f.Path})
		}
	}
	m := f.Meta
	add("msi", m["msi.product_name"], m["msi.product_version"], m["msi.manufacturer"])
	add("pe", m["pe.product_name"], m["pe.product_version"], m["pe.company_name"])
	return out
}

// matchContentProducts checks the products a file declares against the
// advisories.
func (s *Set) matchContentProducts(rs *reasons, f *snapshot.File) {
	for _, sw := range contentProducts(f) {
		for _, ai := range s.advis[productKey(sw.Name)] {
			a := &s.in.Advisories[ai]
			if v, ok := affects(a, &sw); ok {
				kind, what := "msi", "an installer of"
				if strings.HasPrefix(sw.Source, "pe:") {
					kind, what = "pe", "a program of"
				}
				title := fmt.Sprintf("%s is %s %s %s: %s", baseName(f.Path), what, sw.Name, sw.Version, a.Title)
				if rs.addAdvisory(a, v, title) {
					rs.explain(fmt.Sprintf("its %s metadata names %s %s", kind, sw.Name, sw.Version))
				}
			}
		}
	}
}

func baseName(p string) string {
	_, name := splitPath(p)
	return name
}
