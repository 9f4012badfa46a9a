package linux

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// maxApkInstalled caps lib/apk/db/installed, which lists every file of
// every package; a large system's is a few MiB.
const maxApkInstalled = 64 << 20

const apkInstalled = "lib/apk/db/installed"

// Apk reads Alpine's lib/apk/db/installed: records of "K:value" lines
// separated by blank lines (P name, V version, A arch, o origin, m
// maintainer). Every record in the file is an installed package. No
// install date is recorded: the database has none (t: is the build time,
// which says nothing of this machine), the files it lists (F: folders, R:
// files) keep the package archive's mtimes, which are build times too,
// and the database's mtime is its last change, after the install.
type Apk struct{}

// NewApk returns the apk collector.
func NewApk() *Apk { return &Apk{} }

var _ collect.PathCollector = (*Apk)(nil)

// Name implements collect.PathCollector.
func (*Apk) Name() string { return "apk" }

// WantsPath implements collect.PathCollector.
func (*Apk) WantsPath(_ *collect.Env, rel string) bool { return rel == apkInstalled }

// CollectPath implements collect.PathCollector. Problems with the file go
// to sink.AddError; only a cancelled context is returned.
func (a *Apk) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := readFile(env.FS, rel, maxApkInstalled)
	if err != nil {
		return report(ctx, sink, rel, a.Name(), err)
	}
	pkgs, err := parseApkInstalled(data)
	if err != nil {
		err = fmt.Errorf("%s: %w", rel, err)
	}
	for _, p := range pkgs {
		p.Platform, p.Scope, p.Source = "linux", snapshot.ScopeMachine, "apk:"+env.Display(rel)
		sink.AddSoftware(p)
	}
	return report(ctx, sink, rel, a.Name(), err)
}

// apkRecord gathers one package's fields.
type apkRecord struct {
	line                int
	fields              int
	name, version, arch string
	origin, maintainer  string
}

// parseApkInstalled returns the packages of an apk installed database.
// Records without a name or version, and lines that are not "K:value",
// are skipped and summarised in the error.
func parseApkInstalled(data []byte) ([]snapshot.Software, error) {
	var out []snapshot.Software
	var probs problems
	rec := apkRecord{line: 1}
	flush := func(next int) error {
		if rec.fields > 0 {
			if len(out) == maxStanzas {
				return fmt.Errorf("line %d: over %d records", rec.line, maxStanzas)
			}
			if sw, err := rec.software(); err != nil {
				probs.add(err)
			} else {
				out = append(out, sw)
			}
		}
		rec = apkRecord{line: next}
		return nil
	}
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data = cutLine(data)
		if len(bytes.TrimSpace(line)) == 0 {
			if err := flush(n + 1); err != nil {
				return out, errors.Join(err, probs.err())
			}
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			probs.add(fmt.Errorf("line %d: not a K:value line", n))
			continue
		}
		rec.set(line[0], string(line[2:]))
	}
	err := flush(0)
	if err == nil && len(out) == 0 && probs.count > 0 {
		err = errors.New("no apk records")
	}
	return out, errors.Join(err, probs.err())
}

func (r *apkRecord) set(key byte, value string) {
	r.fields++
	var dst *string
	switch key {
	case 'P':
		dst = &r.name
	case 'V':
		dst = &r.version
	case 'A':
		dst = &r.arch
	case 'o':
		dst = &r.origin
	case 'm':
		dst = &r.maintainer
	default:
		return
	}
	if *dst == "" {
		*dst = clip(value)
	}
}

func (r *apkRecord) software() (snapshot.Software, error) {
	if r.name == "" || r.version == "" {
		return snapshot.Software{}, fmt.Errorf("record at line %d: no P: name or V: version", r.line)
	}
	return snapshot.Software{
		Name:          r.name,
		Identifier:    r.name,
		Version:       r.version,
		Arch:          r.arch,
		Vendor:        r.maintainer,
		SourcePackage: r.origin,
		Ecosystem:     EcosystemApk,
	}, nil
}
