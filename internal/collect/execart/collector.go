package execart

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// stage is the PathError stage of Prefetch problems.
const stage = "parse:prefetch"

// Collector reads Windows/Prefetch/*.pf of a Windows image or live
// system (where reading the folder needs administrator rights; a refusal
// is a per-file error). Each file becomes one prefetch artifact.
type Collector struct{}

// New returns the Prefetch collector.
func New() *Collector { return &Collector{} }

// Name implements collect.PathCollector.
func (*Collector) Name() string { return "prefetch" }

// WantsPath implements collect.PathCollector: Windows/Prefetch/<name>.pf,
// in any letter case.
func (*Collector) WantsPath(env *collect.Env, rel string) bool {
	dir, file := path.Split(rel)
	return len(file) > 3 && strings.EqualFold(file[len(file)-3:], ".pf") &&
		strings.EqualFold(dir, "Windows/Prefetch/")
}

// CollectPath implements collect.PathCollector. A file that cannot be read
// or parsed is recorded with AddError (with what could be read still
// recorded when the damage is past the header) and the scan goes on.
func (*Collector) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := collect.ReadCapped(env.FS, rel, MaxFileSize)
	if err != nil {
		sink.AddError(rel, "read", fmt.Errorf("prefetch %s: %w", rel, err))
		return nil
	}
	p, err := Parse(b)
	if err != nil {
		sink.AddError(rel, stage, fmt.Errorf("prefetch %s: %w", rel, err))
	}
	if p != nil {
		sink.AddArtifact(Artifact(p, display(env, rel)))
	}
	return nil
}

func display(env *collect.Env, rel string) string {
	if env.Display == nil {
		return rel
	}
	return env.Display(rel)
}

// Artifact turns a parsed Prefetch file into its snapshot record. Path is
// the referenced file whose name is the executable's (the program's own
// path on its volume), when the file lists it.
func Artifact(p *Prefetch, source string) snapshot.Artifact {
	a := snapshot.Artifact{Kind: snapshot.ArtifactPrefetch, Name: p.Executable, Source: source,
		Count: p.RunCount, RunTimes: p.RunTimes, Files: p.Files, FilesTotal: p.FilesTotal, TimeFrom: "run time"}
	for _, f := range p.Files {
		if p.Executable != "" && strings.EqualFold(pathBase(f), p.Executable) {
			a.Path = f
			break
		}
	}
	for _, v := range p.Volumes {
		a.Volumes = append(a.Volumes, fmt.Sprintf("%s serial %08X", v.DevicePath, v.Serial))
	}
	if len(p.RunTimes) > 0 {
		last, first := p.RunTimes[0], p.RunTimes[0]
		for _, t := range p.RunTimes {
			if t.After(last) {
				last = t
			}
			if t.Before(first) {
				first = t
			}
		}
		a.FirstSeen, a.LastSeen = &first, &last
	}
	return a
}

func pathBase(p string) string { return p[strings.LastIndexAny(p, `\/`)+1:] }
