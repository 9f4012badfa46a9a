package execart

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Stages of registry-held execution evidence problems.
const (
	regStage     = "parse:execution-registry"
	recoverStage = "recover:execution-registry"
)

var (
	amcachePath = "Windows/AppCompat/Programs/Amcache.hve"
	systemPath  = "Windows/System32/config/SYSTEM"
)

// Registry reads the execution evidence Windows keeps in registry hives:
// Amcache.hve (amcache-file, amcache-program), the SYSTEM hive's
// AppCompatCache (shimcache) and BAM/DAM (bam), and every user's
// UserAssist (userassist); SOFTWARE's ProfileList names BAM's users
// (profiles.go). Hives are read and recovered from their transaction logs
// by the Windows registry package, once per file for all the collectors
// that read them. On a live Windows system SYSTEM, SOFTWARE and
// Amcache.hve are locked by the kernel and the hives of logged-on users
// are loaded: those are left out (see docs/snapshot.md), and BAM is not
// read.
type Registry struct {
	mu    sync.Mutex
	scans map[*collect.Env]*profileState
}

// NewRegistry returns the registry execution-evidence collector.
func NewRegistry() *Registry { return &Registry{} }

// Name implements collect.PathCollector.
func (*Registry) Name() string { return "execution-registry" }

// WantsPath implements collect.PathCollector. On live Windows the kernel
// holds SYSTEM and Amcache.hve open without sharing, so they are left out
// there (docs/snapshot.md) rather than reported as a sharing violation on
// every scan.
func (*Registry) WantsPath(env *collect.Env, rel string) bool {
	if strings.EqualFold(rel, amcachePath) || strings.EqualFold(rel, systemPath) || strings.EqualFold(rel, softwarePath) {
		return !(env.Live && env.OS == "windows")
	}
	_, ok := windows.UserHive(rel)
	return ok
}

// CollectPath implements collect.PathCollector. Problems are reported with
// Sink.AddError; only a cancelled context is returned.
func (r *Registry) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	src := display(env, rel)
	var errs []error
	var err error
	switch {
	case strings.EqualFold(rel, amcachePath):
		err = readMachineHive(ctx, env, rel, sink, func(root *windows.Key) error {
			errs = Amcache(root, src, sink.AddArtifact)
			return nil
		})
	case strings.EqualFold(rel, systemPath):
		st := r.state(env)
		err = readMachineHive(ctx, env, rel, sink, func(root *windows.Key) error {
			errs = System(root, src, func(a snapshot.Artifact) {
				if a.Kind == snapshot.ArtifactBAM {
					st.bam(a, sink.AddArtifact)
					return
				}
				sink.AddArtifact(a)
			})
			return nil
		})
	case strings.EqualFold(rel, softwarePath):
		// A SOFTWARE hive that cannot be read is the Windows collector's
		// to report, as is its recovery.
		var names map[string]string
		_ = windows.ReadMachineHive(ctx, env, rel, func(root *windows.Key) error {
			names, errs = ProfileNames(root)
			return nil
		})
		r.state(env).setNames(names, sink.AddArtifact) // also when it could not be read
	default:
		user, _ := windows.UserHive(rel)
		err = windows.ReadUserHive(ctx, env, rel, func(root *windows.Key) error {
			errs = UserAssist(root, user, src, sink.AddArtifact)
			return nil
		})
		if errors.Is(err, windows.ErrHiveLoaded) {
			err = nil // a logged-on user's hive: not readable as a file
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		errs = append(errs, err)
	}
	for _, e := range errs {
		sink.AddError(rel, regStage, fmt.Errorf("hive %s: %w", rel, e))
	}
	return nil
}

func readMachineHive(ctx context.Context, env *collect.Env, rel string, sink collect.Sink, fn func(*windows.Key) error) error {
	rec, err := windows.ReadHiveFile(ctx, env, rel, fn)
	if rec != nil {
		stage := regStage
		if rec.Complete {
			stage = recoverStage
		}
		sink.AddError(rel, stage, errors.New(rec.Message))
	}
	return err
}

// System reads the SYSTEM hive's current control set (Select\Current, else
// ControlSet001): AppCompatCache and BAM/DAM.
func System(root *windows.Key, source string, add func(snapshot.Artifact)) []error {
	cs := "ControlSet001"
	if sel, _ := root.Open("Select"); sel != nil {
		if n, ok := sel.Int("Current"); ok && n > 0 && n < 1000 {
			cs = fmt.Sprintf("ControlSet%03d", n)
		}
	}
	set, err := root.Open(cs)
	if set == nil {
		return []error{fmt.Errorf("no control set %s: %v", cs, err)}
	}
	errs := shimcache(set, source, add)
	return append(errs, bam(set, source, add)...)
}

func shimcache(set *windows.Key, source string, add func(snapshot.Artifact)) []error {
	k, err := set.Open("Control", "Session Manager", "AppCompatCache")
	if k == nil {
		return nonNil(err)
	}
	blob, err := k.Blob("AppCompatCache")
	if blob == nil {
		return nonNil(err)
	}
	entries, err := ParseShimcache(blob)
	src := source + `\` + k.Path() + `\AppCompatCache`
	for _, e := range entries {
		a := snapshot.Artifact{Kind: snapshot.ArtifactShimcache, Path: e.Path, Name: pathBase(e.Path),
			Executed: e.Executed, Source: src, TimeFrom: "file modified (cached)"}
		if !e.Modified.IsZero() {
			t := e.Modified
			a.LastSeen = &t
		}
		add(a)
	}
	return nonNil(err)
}

// bam reads Services\bam\State\UserSettings\{SID} (Windows 10 1809 and
// later) and Services\bam\UserSettings\{SID} (1709, 1803), and the same
// under dam: each value is a program path whose data starts with its last
// execution FILETIME.
func bam(set *windows.Key, source string, add func(snapshot.Artifact)) []error {
	var errs []error
	for _, svc := range []string{"bam", "dam"} {
		for _, p := range [][]string{{"Services", svc, "State", "UserSettings"}, {"Services", svc, "UserSettings"}} {
			us, err := set.Open(p...)
			errs = append(errs, nonNil(err)...)
			if us == nil {
				continue
			}
			sids, err := us.Subkeys()
			errs = append(errs, nonNil(err)...)
			for _, sid := range sids {
				errs = append(errs, bamUser(sid, source, add)...)
			}
		}
	}
	return errs
}

func bamUser(k *windows.Key, source string, add func(snapshot.Artifact)) []error {
	names, err := k.ValueNames()
	errs := nonNil(err)
	for _, n := range names {
		b, err := k.Blob(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(b) < 8 || !strings.Contains(n, `\`) { // Version, SequenceNumber
			continue
		}
		t := filetime(le64(b, 0))
		a := snapshot.Artifact{Kind: snapshot.ArtifactBAM, Path: n, Name: pathBase(n), User: k.Name(),
			Source: source + `\` + k.Path(), TimeFrom: "last execution"}
		if !t.IsZero() {
			a.LastSeen = &t
		}
		add(a)
	}
	return errs
}

// UserAssist reads Software\Microsoft\Windows\CurrentVersion\Explorer\
// UserAssist\{GUID}\Count of one user's hive.
func UserAssist(root *windows.Key, user, source string, add func(snapshot.Artifact)) []error {
	ua, err := root.Open("Software", "Microsoft", "Windows", "CurrentVersion", "Explorer", "UserAssist")
	if ua == nil {
		return nonNil(err)
	}
	guids, err := ua.Subkeys()
	errs := nonNil(err)
	for _, g := range guids {
		count, err := g.Open("Count")
		errs = append(errs, nonNil(err)...)
		if count == nil {
			continue
		}
		names, err := count.ValueNames()
		errs = append(errs, nonNil(err)...)
		for _, n := range names {
			b, err := count.Blob(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			e, err := ParseUserAssist(n, b)
			if strings.HasPrefix(e.Name, "UEME_CTL") { // session bookkeeping, not a program
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			a := snapshot.Artifact{Kind: snapshot.ArtifactUserAssist, Path: e.Name, Name: pathBase(e.Name),
				User: user, Count: e.RunCount, Source: source + `\` + count.Path(), TimeFrom: "last run"}
			if !e.LastRun.IsZero() {
				t := e.LastRun
				a.LastSeen = &t
			}
			add(a)
		}
	}
	return errs
}

func nonNil(err error) []error {
	if err == nil {
		return nil
	}
	return []error{err}
}
