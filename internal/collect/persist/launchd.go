package persist

import (
	"context"
	"errors"
	"path"
	"strings"

	"howett.net/plist"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/macos"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Launchd reads launchd job definitions: LaunchAgents and LaunchDaemons in
// /Library, /System/Library and each user's ~/Library (XML and binary
// plists, through the macOS collector's bounded plist reader).
// Login items are LoginItems' job.
type Launchd struct{}

// NewLaunchd returns the launchd collector.
func NewLaunchd() *Launchd { return &Launchd{} }

// Name implements collect.PathCollector.
func (*Launchd) Name() string { return "persist-launchd" }

// launchdDir says whether rel is a job in a launchd directory, and which.
func launchdDir(rel string) (dir string, ok bool) {
	if !strings.HasSuffix(rel, ".plist") {
		return "", false
	}
	d := path.Dir(rel)
	switch d {
	case "Library/LaunchAgents", "Library/LaunchDaemons", "System/Library/LaunchAgents", "System/Library/LaunchDaemons":
		return d, true
	}
	if strings.HasPrefix(d, "Users/") && strings.Count(d, "/") == 3 && strings.HasSuffix(d, "/Library/LaunchAgents") {
		return d, true
	}
	return d, d == "private/var/root/Library/LaunchAgents"
}

// WantsPath implements collect.PathCollector.
func (*Launchd) WantsPath(env *collect.Env, rel string) bool {
	_, ok := launchdDir(rel)
	return ok && env.OS == "macos"
}

// job is the part of a launchd plist that says what runs and when.
type job struct {
	Label            string   `plist:"Label"`
	Program          string   `plist:"Program"`
	ProgramArguments []string `plist:"ProgramArguments"`
	UserName         string   `plist:"UserName"`
	RunAtLoad        flag     `plist:"RunAtLoad"`
	KeepAlive        flag     `plist:"KeepAlive"`
	Disabled         flag     `plist:"Disabled"`
	StartInterval    int64    `plist:"StartInterval"`
	StartCalendar    flag     `plist:"StartCalendarInterval"`
	WatchPaths       []string `plist:"WatchPaths"`
}

// flag is a plist value read as "true", "false", or "conditional" (a
// dictionary or anything else that is present but not a boolean).
type flag string

// UnmarshalPlist implements plist.Unmarshaler.
func (f *flag) UnmarshalPlist(unmarshal func(any) error) error {
	var b bool
	if unmarshal(&b) == nil {
		*f = "false"
		if b {
			*f = "true"
		}
		return nil
	}
	*f = "conditional"
	return nil
}

var _ plist.Unmarshaler = (*flag)(nil)

// CollectPath implements collect.PathCollector.
func (*Launchd) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, mtime, err := readBounded(env.FS, rel)
	if err != nil {
		sink.AddError(rel, "read", err)
		return nil
	}
	a, err := launchdEntry(data)
	if err != nil {
		sink.AddError(rel, stage, entryError(rel, "plist", err))
		return nil
	}
	a.Source, a.User = env.Display(rel), collect.UserFromPath(env.OS, rel)
	a.LastSeen, a.TimeFrom = timePtr(mtime), TimeFileMtime
	if a.RunAs == "" {
		if strings.Contains(rel, "LaunchDaemons") {
			a.RunAs = "root"
		} else {
			a.RunAs = a.User
		}
	}
	setProgram(env, sink, &a, "", homeOf(rel))
	setNetwork(&a)
	sink.AddArtifact(a)
	return nil
}

var errNoProgram = errors.New("job names neither Program nor ProgramArguments")

// launchdEntry maps a job plist to a persistence artifact.
func launchdEntry(data []byte) (snapshot.Artifact, error) {
	var j job
	if err := macos.DecodePlist(data, &j); err != nil {
		return snapshot.Artifact{}, err
	}
	a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechLaunchd,
		Name: clip(j.Label), RunAs: clip(j.UserName), Disabled: j.Disabled == "true"}
	args := j.ProgramArguments
	if len(args) > 256 {
		args = args[:256]
	}
	switch {
	case j.Program != "":
		a.Command = clip(j.Program)
		if len(args) > 1 {
			args = args[1:] // argv[0] when Program is given
		} else {
			args = nil
		}
	case len(args) > 0:
		a.Command, args = clip(args[0]), args[1:]
	default:
		return a, errNoProgram
	}
	if strings.TrimSpace(a.Command) == "" {
		return a, errNoProgram
	}
	a.Args = clip(joinArgs(args))
	a.Trigger = launchdTrigger(j)
	return a, nil
}

func launchdTrigger(j job) string {
	var t []string
	if j.RunAtLoad == "true" {
		t = append(t, "RunAtLoad")
	}
	if j.KeepAlive != "" && j.KeepAlive != "false" {
		t = append(t, "KeepAlive="+string(j.KeepAlive))
	}
	if j.StartInterval > 0 {
		t = append(t, "StartInterval")
	}
	if j.StartCalendar != "" {
		t = append(t, "StartCalendarInterval")
	}
	if len(j.WatchPaths) > 0 {
		t = append(t, "WatchPaths")
	}
	return strings.Join(t, ", ")
}

// joinArgs joins arguments, quoting those with blanks.
func joinArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t\"") || a == "" {
			a = `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
