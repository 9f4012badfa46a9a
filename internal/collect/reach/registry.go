package reach

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Registry reads the connection history in every user's NTUSER.DAT: RDP
// (Software\Microsoft\Terminal Server Client: Default\MRU0…, Servers\<host>)
// and PuTTY (Software\SimonTatham\PuTTY: Sessions\<name>, SshHostKeys).
// Hives are found, read and recovered from their transaction logs by the
// Windows collector's code (windows.UserHive, windows.ReadUserHive). On
// live Windows, the hives of logged-on users are locked and left to the
// live collector.
type Registry struct{}

// NewRegistry returns the user-hive reach collector.
func NewRegistry() *Registry { return &Registry{} }

// Name implements collect.PathCollector.
func (*Registry) Name() string { return "reach-registry" }

// WantsPath implements collect.PathCollector.
func (*Registry) WantsPath(_ *collect.Env, rel string) bool {
	_, ok := windows.UserHive(rel)
	return ok
}

// CollectPath implements collect.PathCollector. Problems are reported with
// Sink.AddError; only a cancelled context is returned.
func (*Registry) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	user, ok := windows.UserHive(rel)
	if !ok {
		return nil
	}
	err := windows.ReadUserHive(ctx, env, rel, func(root *windows.Key) error {
		for _, err := range fromHive(windows.AsRegKey(root), user, sink.AddArtifact) {
			sink.AddError(rel, stage, fmt.Errorf("hive %s: %w", rel, err))
		}
		return nil
	})
	switch {
	case errors.Is(err, windows.ErrHiveLoaded):
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		sink.AddError(rel, stage, fmt.Errorf("hive %s: %w", rel, err))
	}
	return nil
}

// Registry paths below a user hive's root.
var (
	rdpPath   = []string{"Software", "Microsoft", "Terminal Server Client"}
	puttyPath = []string{"Software", "SimonTatham", "PuTTY"}
)

// fromHive emits the reach artifacts of one user's hive (root is HKU\<user>)
// and returns the problems met. It stops at an exhausted hive budget.
func fromHive(root windows.RegKey, user string, add func(snapshot.Artifact)) []error {
	var errs []error
	keep := func(err error) bool {
		if err != nil {
			errs = append(errs, err)
		}
		return err != nil && windows.IsBudget(err)
	}
	base := `registry:HKU\` + user + `\`
	if rdp, err := root.Open(rdpPath...); !keep(err) && rdp != nil {
		src := base + strings.Join(rdpPath, `\`)
		if keep(rdpMRU(rdp, user, src, add)) || keep(rdpServers(rdp, user, src, add)) {
			return errs
		}
	}
	if putty, err := root.Open(puttyPath...); !keep(err) && putty != nil {
		src := base + strings.Join(puttyPath, `\`)
		if keep(puttySessions(putty, user, src, add)) {
			return errs
		}
		keep(puttyHostKeys(putty, user, src, add))
	}
	return errs
}

var mruName = regexp.MustCompile(`(?i)^MRU[0-9]+$`)

// rdpMRU reads Default\MRU0…MRUn, the Remote Desktop client's list of
// recent servers (MRU0 the most recent). The values have no times of
// their own: each carries the Default key's last-write time, when the
// list last changed (normally the connection to MRU0).
func rdpMRU(rdp windows.RegKey, user, src string, add func(snapshot.Artifact)) error {
	def, err := rdp.Open("Default")
	if def == nil {
		return err
	}
	names, verr := def.ValueNames()
	sort.Slice(names, func(i, j int) bool { return mruLess(names[i], names[j]) })
	for _, n := range names {
		if !mruName.MatchString(n) {
			continue
		}
		v, ok := def.String(n)
		if v = strings.TrimSpace(v); !ok || v == "" {
			continue
		}
		a := snapshot.Artifact{Kind: snapshot.ArtifactRDPServer, User: user, Source: src + `\Default`, Name: n,
			LastSeen: timePtr(def.LastWrite()), TimeFrom: TimeKeyLastWrite}
		setHost(&a, v)
		add(a)
	}
	return errors.Join(err, verr, errors.Join(def.Errs()...))
}

// mruLess orders MRU2 before MRU10.
func mruLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// rdpServers reads Servers\<host>: one subkey per server the client
// connected to, with UsernameHint the account used; the key's last-write
// time is when the client last wrote it (a connection that saved the hint
// or certificate).
func rdpServers(rdp windows.RegKey, user, src string, add func(snapshot.Artifact)) error {
	servers, err := rdp.Open("Servers")
	if servers == nil {
		return err
	}
	subs, serr := servers.Subkeys()
	var errs []error
	for _, s := range subs {
		hint, _ := s.String("UsernameHint")
		a := snapshot.Artifact{Kind: snapshot.ArtifactRDPServer, User: user,
			Source: src + `\Servers\` + s.Name(), Name: s.Name(), RemoteUser: strings.TrimSpace(hint),
			LastSeen: timePtr(s.LastWrite()), TimeFrom: TimeKeyLastWrite}
		setHost(&a, s.Name())
		add(a)
		errs = append(errs, s.Errs()...)
	}
	return errors.Join(err, serr, errors.Join(errs...))
}

// puttySessions reads Sessions\<name> (names %-escaped by PuTTY): HostName,
// PortNumber, UserName and the key's last-write time (when the session was
// last saved, not used). Sessions without a HostName (Default Settings,
// serial lines) name no host and are left out.
func puttySessions(putty windows.RegKey, user, src string, add func(snapshot.Artifact)) error {
	sessions, err := putty.Open("Sessions")
	if sessions == nil {
		return err
	}
	subs, serr := sessions.Subkeys()
	var errs []error
	for _, s := range subs {
		host, _ := s.String("HostName")
		errs = append(errs, s.Errs()...)
		if host = strings.TrimSpace(host); host == "" {
			continue
		}
		name := s.Name()
		if u, err := url.PathUnescape(name); err == nil {
			name = u
		}
		remote, _ := s.String("UserName")
		a := snapshot.Artifact{Kind: snapshot.ArtifactPuTTYSession, User: user,
			Source: src + `\Sessions\` + s.Name(), Name: name, RemoteUser: strings.TrimSpace(remote),
			LastSeen: timePtr(s.LastWrite()), TimeFrom: TimeKeyLastWrite}
		// PuTTY's HostName may carry the account ("user@host").
		if u, h, ok := strings.Cut(host, "@"); ok && a.RemoteUser == "" {
			a.RemoteUser, host = u, h
		}
		setHost(&a, host)
		if p, ok := s.Int("PortNumber"); ok && p > 0 && p <= 65535 {
			a.Port = int(p)
		}
		add(a)
	}
	return errors.Join(err, serr, errors.Join(errs...))
}

// puttyHostKeys reads SshHostKeys, PuTTY's known_hosts: one value per
// host key, named "<keytype>@<port>:<host>". They become ssh-known-host
// artifacts with the key's last-write time (when a key was last added).
func puttyHostKeys(putty windows.RegKey, user, src string, add func(snapshot.Artifact)) error {
	keys, err := putty.Open("SshHostKeys")
	if keys == nil {
		return err
	}
	names, verr := keys.ValueNames()
	sort.Strings(names)
	for _, n := range names {
		_, hp, ok := strings.Cut(n, "@")
		port, host, ok2 := strings.Cut(hp, ":")
		if !ok || !ok2 || host == "" {
			continue
		}
		a := snapshot.Artifact{Kind: snapshot.ArtifactSSHKnownHost, User: user, Source: src + `\SshHostKeys`,
			Name: n, LastSeen: timePtr(keys.LastWrite()), TimeFrom: TimeKeyLastWrite}
		setHost(&a, host)
		a.Port = parsePort(port)
		add(a)
	}
	return errors.Join(err, verr)
}
