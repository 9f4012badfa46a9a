package reach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// SSH reads OpenSSH client files: every user's ~/.ssh/known_hosts,
// known_hosts2 and config, and the system-wide ssh_known_hosts
// (etc/ssh, private/etc/ssh on macOS images, ProgramData/ssh on Windows).
// Neither format records when a line was written, so every artifact
// carries its file's mtime (TimeFrom "file mtime").
type SSH struct{}

// NewSSH returns the SSH client-files collector.
func NewSSH() *SSH { return &SSH{} }

// Name implements collect.PathCollector.
func (*SSH) Name() string { return "ssh" }

// File roles.
const (
	roleNone = iota
	roleKnownHosts
	roleConfig
)

// role says what rel is; user is the profile's owner ("" for system files).
func role(osName, rel string) (r int, user string) {
	base := rel[strings.LastIndexByte(rel, '/')+1:]
	switch strings.ToLower(base) {
	case "known_hosts", "known_hosts2", "config":
	case "ssh_known_hosts", "ssh_known_hosts2":
		dir := strings.ToLower(path.Dir(rel))
		if dir == "etc/ssh" || dir == "private/etc/ssh" || dir == "programdata/ssh" {
			return roleKnownHosts, ""
		}
		return roleNone, ""
	default:
		return roleNone, ""
	}
	user = collect.UserFromPath(osName, rel)
	if user == "" {
		return roleNone, ""
	}
	// The file must be directly in the profile's .ssh directory.
	parts := strings.Split(rel, "/")
	home := 2 // home/<u>, Users/<u>
	if parts[0] == "root" {
		home = 1
	}
	if len(parts) != home+2 || !strings.EqualFold(parts[home], ".ssh") {
		return roleNone, ""
	}
	if strings.EqualFold(base, "config") {
		return roleConfig, user
	}
	return roleKnownHosts, user
}

// WantsPath implements collect.PathCollector.
func (*SSH) WantsPath(env *collect.Env, rel string) bool {
	r, _ := role(env.OS, rel)
	return r != roleNone
}

// CollectPath implements collect.PathCollector. A file that cannot be
// read or parsed is reported with Sink.AddError; only a cancelled context
// is returned.
func (s *SSH) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	r, user := role(env.OS, rel)
	var err error
	switch r {
	case roleKnownHosts:
		err = collectKnownHosts(ctx, env, rel, user, sink)
	case roleConfig:
		err = collectConfig(ctx, env, rel, user, sink)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sink.AddError(rel, stage, err)
	}
	return nil
}

func collectKnownHosts(ctx context.Context, env *collect.Env, rel, user string, sink collect.Sink) error {
	data, mtime, err := readCapped(env.FS, rel, maxKnownHostsBytes)
	hosts, bad, first, perr := ParseKnownHosts(ctx, bytes.NewReader(data))
	src := env.Display(rel)
	for _, h := range hosts {
		a := snapshot.Artifact{Kind: snapshot.ArtifactSSHKnownHost, User: user, Source: src,
			Marker: h.Marker, LastSeen: timePtr(mtime), TimeFrom: TimeFileMtime}
		if h.Hashed() {
			a.Host, a.Hashed = h.Pattern, true
		} else {
			setHost(&a, h.Pattern)
		}
		sink.AddArtifact(a)
	}
	if bad > 0 {
		sink.AddError(rel, stage, fmt.Errorf("known_hosts %s: %d lines are not host-key lines (first: line %d), skipped", rel, bad, first))
	}
	if err = errors.Join(err, perr); err != nil {
		return fmt.Errorf("known_hosts %s: %w", rel, err)
	}
	return nil
}

// Bounds on Include: files one Include may name, files per config.
const (
	maxIncludeFiles = 16
	maxConfigFiles  = 32
)

func collectConfig(ctx context.Context, env *collect.Env, rel, user string, sink collect.Sink) error {
	data, mtime, err := readCapped(env.FS, rel, maxConfigBytes)
	if err != nil && data == nil {
		return fmt.Errorf("ssh config %s: %w", rel, err)
	}
	mtimes := map[string]time.Time{rel: mtime}
	dir := path.Dir(rel)
	p := &ConfigParser{
		Include: func(arg string) ([]IncludedFile, error) {
			return includeFiles(env.FS, dir, user, arg, mtimes)
		},
		Problems: func(e error) { sink.AddError(rel, stage, fmt.Errorf("ssh config %s: %w", rel, e)) },
	}
	hosts, perr := p.Parse(ctx, rel, bytes.NewReader(data))
	for _, h := range hosts {
		a := snapshot.Artifact{Kind: snapshot.ArtifactSSHConfigHost, User: user, Source: env.Display(h.File),
			Name: h.Pattern, RemoteUser: h.User, Via: h.ProxyJump,
			LastSeen: timePtr(mtimes[h.File]), TimeFrom: TimeFileMtime}
		setHost(&a, h.Target())
		if n := parsePort(h.Port); n > 0 {
			a.Port = n
		}
		sink.AddArtifact(a)
	}
	if err = errors.Join(err, perr); err != nil {
		return fmt.Errorf("ssh config %s: %w", rel, err)
	}
	return nil
}

// errOutside refuses an Include that leaves the config's own directory.
var errOutside = errors.New("names files outside the config's directory, not followed")

// includeFiles resolves one Include argument of the config in dir (a
// user's .ssh): relative paths and ~/.ssh/… are read, with their glob
// patterns, when they name files directly in dir. mtimes gets each file's.
func includeFiles(fsys fs.FS, dir, user, arg string, mtimes map[string]time.Time) ([]IncludedFile, error) {
	if len(mtimes) >= maxConfigFiles {
		return nil, fmt.Errorf("more than %d config files, not followed", maxConfigFiles)
	}
	pat := arg
	switch {
	case strings.HasPrefix(pat, "~/.ssh/"):
		pat = path.Join(dir, strings.TrimPrefix(pat, "~/.ssh/"))
	case strings.HasPrefix(pat, "~"), strings.HasPrefix(pat, "/"), strings.Contains(pat, `\`):
		return nil, errOutside
	default:
		pat = path.Join(dir, pat)
	}
	if path.Dir(pat) != dir {
		return nil, errOutside
	}
	names, err := fs.Glob(fsys, pat)
	if err != nil {
		return nil, err
	}
	if len(names) > maxIncludeFiles {
		names = names[:maxIncludeFiles]
	}
	var out []IncludedFile
	for _, n := range names {
		if _, seen := mtimes[n]; seen || len(mtimes) >= maxConfigFiles {
			continue // a file includes itself, or the cap is reached
		}
		data, mtime, err := readCapped(fsys, n, maxConfigBytes)
		if err != nil {
			return out, err
		}
		mtimes[n] = mtime
		out = append(out, IncludedFile{Name: n, R: bytes.NewReader(data)})
	}
	return out, nil
}

// readCapped reads a regular file whole, up to limit bytes; err says when
// it was cut (data then holds the first limit bytes).
func readCapped(fsys fs.FS, rel string, limit int64) ([]byte, time.Time, error) {
	f, err := fsys.Open(rel)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !st.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("%s: not a regular file", rel)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return data, st.ModTime(), err
	}
	if int64(len(data)) > limit {
		return data[:limit], st.ModTime(), fmt.Errorf("larger than %d bytes; the rest was not read", limit)
	}
	return data, st.ModTime(), nil
}
