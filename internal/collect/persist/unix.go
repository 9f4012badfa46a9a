package persist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Unix reads Linux persistence: systemd units (system and user, with
// drop-ins), cron tables and cron.{hourly,daily,weekly,monthly} scripts,
// /etc/rc.local and shell profiles; on macOS, users' shell profiles and
// cron tables (/private/var/at/tabs).
type Unix struct{ enabled wantsCache }

// NewUnix returns the Linux persistence collector.
func NewUnix() *Unix { return &Unix{} }

// Name implements collect.PathCollector.
func (*Unix) Name() string { return "persist-unix" }

// Kinds of Linux file this collector reads.
const (
	unixNone = iota
	unixUnit
	unixCron       // a system table: with a user field
	unixUserCron   // a user's table: no user field
	unixCronScript // a script run by cron.daily etc.
	unixRCLocal
	unixProfile
)

var systemdDirs = []string{"etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system",
	"run/systemd/system", "etc/systemd/user", "usr/lib/systemd/user", "lib/systemd/user"}

var profileNames = map[string]bool{".bashrc": true, ".profile": true, ".bash_profile": true,
	".bash_login": true, ".zshrc": true, ".zprofile": true, ".zlogin": true}

// kindOf says which kind of file rel is. It runs for every file of a
// scan, so it only compares strings.
func unixKind(rel string) int {
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case rel == "etc/crontab":
		return unixCron
	case rel == "etc/rc.local" || rel == "etc/rc.d/rc.local":
		return unixRCLocal
	case rel == "etc/profile" || rel == "etc/bash.bashrc" || rel == "etc/zsh/zshrc" || rel == "etc/zshrc":
		return unixProfile
	case dir == "etc/profile.d":
		return unixProfile
	case dir == "etc/cron.d":
		return unixCron
	case dir == "var/spool/cron/crontabs" || dir == "var/spool/cron" || dir == "var/spool/cron/tabs",
		dir == "private/var/at/tabs" || dir == "usr/lib/cron/tabs": // macOS
		return unixUserCron
	case strings.HasPrefix(dir, "etc/cron.") && strings.Count(dir, "/") == 1 && dir != "etc/cron.d":
		return unixCronScript
	case profileNames[base] && homeOf(rel) != "" && strings.Count(rel, "/") == strings.Count(homeOf(rel), "/")+1:
		return unixProfile
	}
	if isUnitName(base) || strings.HasSuffix(base, ".conf") && strings.HasSuffix(path.Base(dir), ".d") {
		unitDir := dir
		if strings.HasSuffix(base, ".conf") {
			unitDir = path.Dir(dir)
		}
		for _, d := range systemdDirs {
			if unitDir == d {
				return unixUnit
			}
		}
		if h := homeOf(rel); h != "" && unitDir == h+"/.config/systemd/user" {
			return unixUnit
		}
	}
	return unixNone
}

func isUnitName(base string) bool {
	return strings.HasSuffix(base, ".service") || strings.HasSuffix(base, ".socket")
}

// WantsPath implements collect.PathCollector: Linux, and on macOS the
// same kinds where they exist (users' shell profiles, cron tables).
func (*Unix) WantsPath(env *collect.Env, rel string) bool {
	return (env.OS == "linux" || env.OS == "macos") && unixKind(rel) != unixNone
}

// CollectPath implements collect.PathCollector. Problems go to the sink
// with the file's path; only a cancelled context is returned.
func (u *Unix) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	kind := unixKind(rel)
	data, mtime, err := readBounded(env.FS, rel)
	if errors.Is(err, errTruncated) {
		sink.AddError(rel, stage, entryError(rel, "read", err))
	} else if err != nil {
		sink.AddError(rel, "read", err)
		return nil
	}
	base := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Source: env.Display(rel),
		User: collect.UserFromPath(env.OS, rel), LastSeen: timePtr(mtime), TimeFrom: TimeFileMtime}
	var entries []snapshot.Artifact
	var errs []error
	switch kind {
	case unixUnit:
		entries, errs = unitEntries(env, rel, data, base, u.enabled.get(env))
	case unixCron, unixUserCron:
		entries, errs = cronEntries(data, kind == unixCron, base, path.Base(rel))
	case unixCronScript:
		entries = cronScript(rel, base)
	case unixRCLocal, unixProfile:
		mech := snapshot.MechShellProfile
		if kind == unixRCLocal {
			mech, base.Trigger = snapshot.MechRCLocal, "boot"
		}
		entries, errs = profileEntries(data, mech, base)
	}
	home := homeOf(rel)
	if len(entries) > maxEntries {
		sink.AddError(rel, stage, entryError(rel, "entries", fmt.Errorf("%d entries; only the first %d were kept", len(entries), maxEntries)))
		entries = entries[:maxEntries]
	}
	for _, a := range entries {
		setProgram(env, sink, &a, "", home)
		setNetwork(&a)
		sink.AddArtifact(a)
	}
	for _, e := range errs {
		sink.AddError(rel, stage, entryError(rel, "line", e))
	}
	return nil
}

// cronScript records a script in /etc/cron.daily (and the like) as the
// program cron runs.
func cronScript(rel string, a snapshot.Artifact) []snapshot.Artifact {
	a.Mechanism, a.Name = snapshot.MechCron, path.Base(rel)
	a.Command, a.RunAs = "/"+rel, "root"
	a.Trigger = strings.TrimPrefix(path.Dir(rel), "etc/")
	return []snapshot.Artifact{a}
}

// scanLines calls fn for each line of data (at most maxEntries lines
// handed on, each cut to maxLineBytes) with its 1-based number.
func scanLines(data []byte, fn func(n int, line string) error) []error {
	var errs []error
	n := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line string
		if i < 0 {
			line, data = string(data), nil
		} else {
			line, data = string(data[:i]), data[i+1:]
		}
		n++
		if n > maxLines {
			errs = append(errs, fmt.Errorf("more than %d lines; the rest were not read", maxLines))
			break
		}
		if len(line) > maxLineBytes {
			errs = append(errs, lineErr(n, errors.New("line longer than 4096 bytes cut")))
			line = line[:maxLineBytes]
		}
		if err := fn(n, strings.TrimRight(line, "\r")); err != nil {
			errs = append(errs, lineErr(n, err))
		}
	}
	return errs
}

type lineError struct {
	n   int
	err error
}

func (e lineError) Error() string { return "line " + strconv.Itoa(e.n) + ": " + e.err.Error() }
func (e lineError) Unwrap() error { return e.err }

func lineErr(n int, err error) error { return lineError{n, err} }
