package tracegraph

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/sbom"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// SBOM depends-on edges. An SBOM (CycloneDX or SPDX) names a subject, the
// release it describes, and its components: the subject depends on each
// (transitively included; the server keeps no dependency tree). The edge
// holds at the SBOM's creation time only, as a build does: a component
// compromised after the release was built does not reach it.

// isSBOMHost reports whether a stored host is an imported SBOM (`cascade
// client import-snapshot` of a CycloneDX or SPDX document), not a machine.
func isSBOMHost(h fleet.Host) bool {
	return h.Source == "sbom" || strings.HasPrefix(h.UID, "sbom:")
}

// subjectRelease is the release node an SBOM's subject (NAME@VERSION)
// names; "" when it has no version.
func subjectRelease(subject string) (id, name, version string) {
	i := strings.LastIndexByte(subject, '@')
	if i <= 0 || i == len(subject)-1 {
		return "", subject, ""
	}
	name, version = subject[:i], subject[i+1:]
	return ReleaseID(name, version), name, version
}

// sbomSubject is the release an SBOM describes: its name when that is
// NAME@VERSION (CycloneDX metadata.component), else the component whose
// NAME-VERSION, NAME VERSION or NAME_VERSION is the document's name (an
// SPDX document names itself; the package it describes is among its
// packages). "" when neither.
func sbomSubject(doc string, sws []*snapshot.Software) string {
	if sid, _, _ := subjectRelease(doc); sid != "" {
		return doc
	}
	d := strings.ToLower(strings.TrimSpace(doc))
	for _, sw := range sws {
		if sw.Name == "" || sw.Version == "" {
			continue
		}
		n, v := strings.ToLower(sw.Name), strings.ToLower(sw.Version)
		for _, sep := range []string{"-", " ", "_", "@", "-v", " v"} {
			if d == n+sep+v {
				return sw.Name + "@" + sw.Version
			}
		}
	}
	return ""
}

// sbomEdge adds subject depends-on component at created, declaring both
// releases when nothing has.
func sbomEdge(b *cascade.Builder, subject string, sw *snapshot.Software, created time.Time, ref string) error {
	if sw.Name == "" || sw.Version == "" {
		return nil // no release to name
	}
	sid, sname, sver := subjectRelease(subject)
	if sid == "" {
		return nil
	}
	cid := ReleaseID(sw.Name, sw.Version)
	if sid == cid {
		return nil // the subject listed among its own components
	}
	for _, n := range []cascade.Node{{ID: sid, Kind: cascade.Release, Name: sname, Version: sver, Origin: ref},
		{ID: cid, Kind: cascade.Release, Name: sw.Name, Vendor: sw.Vendor, Version: sw.Version, Origin: ref}} {
		if !b.Has(n.ID) {
			if err := b.AddNode(n); err != nil {
				return err
			}
		}
	}
	iv := cascade.Interval{From: cascade.Always, Until: cascade.Never}
	ev := &cascade.Evidence{Source: "sbom", Ref: ref}
	if !created.IsZero() {
		iv = cascade.Interval{From: created.Unix(), Until: created.Unix() + 1}
		ev.Times = map[string]time.Time{"sbom_created": created.UTC()}
	} else {
		ev.Note = "the SBOM carries no creation time: the dependency is taken as always held"
	}
	if sw.Identifier != "" {
		ev.Note = strings.TrimPrefix(ev.Note+"; "+sw.Identifier, "; ")
	}
	return b.AddEdge(cascade.Edge{Kind: cascade.DependsOn, From: sid, To: cid, Valid: iv, Confidence: 1, Evidence: ev, Origin: ref})
}

// SBOMFile is a local CycloneDX or SPDX file as a cascade.Source, for
// `cascade trace --sbom FILE`.
type SBOMFile struct{ Path string }

// maxSBOMBytes bounds a local SBOM.
const maxSBOMBytes = 256 << 20

// Load reads the SBOM into b.
func (f SBOMFile) Load(ctx context.Context, b *cascade.Builder) error {
	st, err := os.Stat(f.Path)
	if err != nil {
		return err
	}
	if st.Size() > maxSBOMBytes {
		return fmt.Errorf("%s: %d bytes, more than the %d an SBOM may have", f.Path, st.Size(), maxSBOMBytes)
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	return LoadSBOM(f.Path, data, b)
}

// LoadSBOM adds an SBOM's depends-on edges to b.
func LoadSBOM(name string, data []byte, b *cascade.Builder) error {
	snaps, err := sbom.Snapshots(name, data, sbom.Options{})
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s.Host.Source != "sbom" {
			return fmt.Errorf("%s: a cascade inventory snapshot, not an SBOM", name)
		}
		sws := make([]*snapshot.Software, len(s.Software))
		for i := range s.Software {
			sws[i] = &s.Software[i]
		}
		subject := sbomSubject(s.Host.Name, sws)
		if subject == "" {
			return fmt.Errorf("%s: the SBOM names no subject with a version (CycloneDX metadata.component; SPDX a document named NAME-VERSION after a package it holds): nothing depends on its components", name)
		}
		if s.Host.CollectedAt.IsZero() {
			b.Warn(fmt.Sprintf("%s: no creation time: its dependencies are taken as always held", name))
		}
		for i := range s.Software {
			sw := &s.Software[i]
			if err := sbomEdge(b, subject, sw, s.Host.CollectedAt, name+" "+sw.Source); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return nil
}

// sbomObs are an imported SBOM's software observations, kept until the
// walk ends: its subject may be among them.
type sbomObs struct {
	name string
	obs  []store.Obs
}

// sbomEdges adds the depends-on edges of every imported SBOM.
func (l *loader) sbomEdges() error {
	ids := make([]int64, 0, len(l.sbomSW))
	for id := range l.sbomSW {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		so := l.sbomSW[id]
		sws := make([]*snapshot.Software, 0, len(so.obs))
		for i := range so.obs {
			sws = append(sws, so.obs[i].Software)
		}
		subject := sbomSubject(so.name, sws)
		if subject == "" {
			l.b.Warn(fmt.Sprintf("imported SBOM %q (host %d) names no subject with a version: no depends-on edges from it", so.name, id))
			continue
		}
		for i := range so.obs {
			o := &so.obs[i]
			if err := sbomEdge(l.b, subject, o.Software, o.FirstSeen, obsRef(o)+" (SBOM "+so.name+")"); err != nil {
				return err
			}
		}
	}
	return nil
}
