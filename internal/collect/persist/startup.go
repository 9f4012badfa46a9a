package persist

import (
	"context"
	"path"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Startup reads the startup folders: ProgramData's (all users) and each
// profile's AppData\Roaming\…\Start Menu\Programs\Startup. A shortcut
// (.lnk) is read for its target and arguments; any other file is itself
// the program Explorer opens at logon.
type Startup struct{}

// NewStartup returns the startup-folder collector.
func NewStartup() *Startup { return &Startup{} }

// Name implements collect.PathCollector.
func (*Startup) Name() string { return "persist-startup" }

const startupTail = "/microsoft/windows/start menu/programs/startup"

// startupUser says whether rel is a file directly in a startup folder,
// and whose ("" for the all-users folder).
func startupUser(rel string) (user string, ok bool) {
	dir := strings.ToLower(path.Dir(rel))
	if strings.EqualFold(path.Base(rel), "desktop.ini") {
		return "", false
	}
	if dir == "programdata"+startupTail {
		return "", true
	}
	if strings.HasPrefix(dir, "users/") && strings.HasSuffix(dir, "/appdata/roaming"+startupTail) &&
		strings.Count(dir, "/") == strings.Count("users/x/appdata/roaming"+startupTail, "/") {
		return collect.UserFromPath("windows", rel), true
	}
	return "", false
}

// WantsPath implements collect.PathCollector.
func (*Startup) WantsPath(env *collect.Env, rel string) bool {
	_, ok := startupUser(rel)
	return ok && env.OS == "windows"
}

// CollectPath implements collect.PathCollector.
func (*Startup) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	user, _ := startupUser(rel)
	a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechStartupFolder,
		Name: path.Base(rel), Source: env.Display(rel), User: user, RunAs: user, Trigger: "logon", TimeFrom: TimeFileMtime}
	if !strings.EqualFold(path.Ext(rel), ".lnk") {
		a.Command = env.Display(rel)
		a.ProgramPath = a.Command
		if fi, err := statFile(env, rel); err == nil {
			a.LastSeen = timePtr(fi)
		}
		sink.AddArtifact(a)
		return nil
	}
	data, mtime, err := readBounded(env.FS, rel)
	if err != nil {
		sink.AddError(rel, "read", err)
		return nil
	}
	a.LastSeen = timePtr(mtime)
	l, err := parseLnk(data)
	if err != nil {
		sink.AddError(rel, stage, entryError(rel, "shell link", err))
		a.Command = env.Display(rel) // the shortcut itself, target unknown
	} else {
		a.Command, a.Args = clip(l.Target), clip(l.Args)
		if a.Command == "" && l.Relative != "" { // relative to the shortcut's folder
			p := path.Clean(path.Dir(rel) + "/" + strings.ReplaceAll(l.Relative, `\`, "/"))
			if !strings.HasPrefix(p, "../") && p != ".." {
				a.Command = clip(env.Display(p))
			}
		}
		if a.Command == "" {
			a.Command = env.Display(rel)
		}
	}
	setProgram(env, sink, &a, user, "")
	setNetwork(&a)
	sink.AddArtifact(a)
	return nil
}
