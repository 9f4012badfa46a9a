package linux

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// maxDpkgStatus caps a dpkg status file; a large server's is a few MiB.
const maxDpkgStatus = 64 << 20

const (
	dpkgStatus    = "var/lib/dpkg/status"
	dpkgStatusDir = "var/lib/dpkg/status.d/" // distroless images: one file per package
)

// Dpkg reads var/lib/dpkg/status and the per-package files of
// var/lib/dpkg/status.d/.
//
// A package is recorded when its files may be on disk: dpkg states
// installed, half-installed, unpacked, half-configured, triggers-awaited
// and triggers-pending, whatever the wanted action (a package marked
// "deinstall" is still installed until removed). Packages in state
// config-files (removed, only configuration left) and not-installed are
// not recorded. A status.d file has no Status field; its presence means
// installed.
type Dpkg struct{}

// NewDpkg returns the dpkg collector.
func NewDpkg() *Dpkg { return &Dpkg{} }

var _ collect.PathCollector = (*Dpkg)(nil)

// Name implements collect.PathCollector.
func (*Dpkg) Name() string { return "dpkg" }

// WantsPath implements collect.PathCollector.
func (*Dpkg) WantsPath(_ *collect.Env, rel string) bool {
	if rel == dpkgStatus {
		return true
	}
	name, ok := strings.CutPrefix(rel, dpkgStatusDir)
	return ok && name != "" && !strings.Contains(name, "/") && !strings.HasSuffix(name, ".md5sums")
}

// CollectPath implements collect.PathCollector. Problems with the file go
// to sink.AddError (one per file); only a cancelled context is returned.
func (d *Dpkg) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := readFile(env.FS, rel, maxDpkgStatus)
	if err != nil {
		return report(ctx, sink, rel, d.Name(), err)
	}
	pkgs, err := parseDpkgStatus(data, rel != dpkgStatus)
	if err != nil {
		err = fmt.Errorf("%s: %w", rel, err)
	}
	for _, p := range pkgs {
		p.Platform, p.Scope, p.Source = "linux", snapshot.ScopeMachine, "dpkg:"+env.Display(rel)
		if ctx.Err() == nil {
			p.InstallDate, p.InstallDateFrom = dpkgInstallTime(env.FS, &p)
		}
		sink.AddSoftware(p)
	}
	return report(ctx, sink, rel, d.Name(), err)
}

const dpkgInfo = "var/lib/dpkg/info/"

// dpkgInstallTime is the modification time of the package's file list,
// var/lib/dpkg/info/NAME[:ARCH].list: dpkg writes it when it unpacks the
// package, so it dates the installed version (an upgrade rewrites it).
// A package without a list (status.d images) has no install time. The
// name comes from the status file, so it is checked to be one path
// component.
func dpkgInstallTime(fsys fs.FS, p *snapshot.Software) (*time.Time, string) {
	if p.Name == "" || strings.ContainsAny(p.Name, "/\\") || p.Name == "." || p.Name == ".." {
		return nil, ""
	}
	names := []string{p.Name + ".list"}
	if p.Arch != "" && !strings.ContainsAny(p.Arch, "/\\") {
		names = append([]string{p.Name + ":" + p.Arch + ".list"}, names...)
	}
	for _, n := range names {
		fi, err := fs.Stat(fsys, dpkgInfo+n)
		if err != nil || !fi.Mode().IsRegular() || fi.ModTime().IsZero() {
			continue
		}
		t := fi.ModTime().UTC()
		return &t, "dpkg info/" + n + " mtime"
	}
	return nil, ""
}

var dpkgFields = []string{"package", "status", "version", "architecture", "maintainer", "source"}

// parseDpkgStatus returns the packages a dpkg status file records as
// present. With implicitStatus (status.d files) a missing Status means
// installed. Malformed records are skipped and summarised in the error.
func parseDpkgStatus(data []byte, implicitStatus bool) ([]snapshot.Software, error) {
	var probs problems
	stanzas, err := parseStanzas(data, dpkgFields, &probs)
	var out []snapshot.Software
	for _, s := range stanzas {
		sw, keep, perr := dpkgPackage(s.fields, implicitStatus)
		if perr != nil {
			probs.add(fmt.Errorf("record at line %d: %w", s.line, perr))
		}
		if keep {
			out = append(out, sw)
		}
	}
	if err == nil && len(stanzas) == 0 && probs.count > 0 {
		err = errors.New("no dpkg records")
	}
	return out, errors.Join(err, probs.err())
}

// dpkgPackage turns one record into a software entry; keep is false for
// packages whose files are gone.
func dpkgPackage(f map[string]string, implicitStatus bool) (snapshot.Software, bool, error) {
	name := f["package"]
	if name == "" || strings.ContainsAny(name, " \t") {
		return snapshot.Software{}, false, fmt.Errorf("bad or missing Package %q", name)
	}
	status, ok := f["status"]
	switch {
	case !ok && implicitStatus:
	case !ok:
		return snapshot.Software{}, false, fmt.Errorf("package %s: no Status", name)
	default:
		present, err := dpkgPresent(status)
		if err != nil || !present {
			return snapshot.Software{}, false, err
		}
	}
	source, _, _ := strings.Cut(f["source"], " ")
	return snapshot.Software{
		Name:          name,
		Identifier:    name,
		Version:       f["version"],
		Arch:          f["architecture"],
		Vendor:        f["maintainer"],
		SourcePackage: source,
		Ecosystem:     EcosystemDpkg,
	}, true, nil
}

// dpkgPresent reads a Status value "want flag state" and reports whether
// the package's files may be on disk.
func dpkgPresent(status string) (bool, error) {
	words := strings.Fields(status)
	if len(words) != 3 {
		return false, fmt.Errorf("bad Status %q", status)
	}
	switch words[2] {
	case "installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending":
		return true, nil
	case "config-files", "not-installed":
		return false, nil
	}
	return false, fmt.Errorf("unknown package state %q", words[2])
}
