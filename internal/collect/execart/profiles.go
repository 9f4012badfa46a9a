package execart

import (
	"context"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// BAM keys name users by SID; SOFTWARE's ProfileList maps a SID to its
// profile folder (C:\Users\alice), whose name is what UserAssist and the
// rest of the snapshot call the user. The walk meets SYSTEM and SOFTWARE
// in no fixed order, so BAM records wait (at most maxPendingBAM per scan)
// until SOFTWARE has been read, or until the walk ends (FinishPaths), and
// keep their SID as User when no name is known.

var softwarePath = "Windows/System32/config/SOFTWARE"

// maxPendingBAM caps BAM records held back per scan; past it they are
// emitted with their SIDs. A busy machine has a few hundred.
const maxPendingBAM = 1 << 16

// wellKnownSIDs are service accounts whose ProfileList folders
// (systemprofile, LocalService, NetworkService) are not user names.
var wellKnownSIDs = map[string]string{
	"S-1-5-18": "SYSTEM",
	"S-1-5-19": "LOCAL SERVICE",
	"S-1-5-20": "NETWORK SERVICE",
}

// profileState is one scan's SID names and held-back BAM records.
type profileState struct {
	mu      sync.Mutex
	names   map[string]string // SID → user name; nil until SOFTWARE is read
	pending []snapshot.Artifact
}

// state returns the profile state of env's scan.
func (r *Registry) state(env *collect.Env) *profileState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.scans == nil {
		r.scans = map[*collect.Env]*profileState{}
	}
	s := r.scans[env]
	if s == nil {
		s = &profileState{}
		r.scans[env] = s
	}
	return s
}

// bam emits a BAM record with its user's name once the names are known,
// and holds it back until then.
func (s *profileState) bam(a snapshot.Artifact, add func(snapshot.Artifact)) {
	s.mu.Lock()
	if s.names == nil && len(s.pending) < maxPendingBAM {
		s.pending = append(s.pending, a)
		s.mu.Unlock()
		return
	}
	names := s.names
	s.mu.Unlock()
	add(named(a, names))
}

// setNames records the SID names and emits the records held back for them.
func (s *profileState) setNames(names map[string]string, add func(snapshot.Artifact)) {
	if names == nil {
		names = map[string]string{}
	}
	s.mu.Lock()
	s.names = names
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, a := range pending {
		add(named(a, names))
	}
}

// named replaces a BAM record's SID by its user's name when known.
func named(a snapshot.Artifact, names map[string]string) snapshot.Artifact {
	if n := wellKnownSIDs[strings.ToUpper(a.User)]; n != "" {
		a.User = n
	} else if n := names[strings.ToUpper(a.User)]; n != "" {
		a.User = n
	}
	return a
}

// FinishPaths implements collect.PathFinisher: BAM records still held
// back (the image has no readable SOFTWARE hive) are emitted with their
// SIDs.
func (r *Registry) FinishPaths(_ context.Context, env *collect.Env, sink collect.Sink) error {
	r.mu.Lock()
	s := r.scans[env]
	delete(r.scans, env)
	r.mu.Unlock()
	if s != nil {
		s.setNames(nil, sink.AddArtifact)
	}
	return nil
}

// ProfileNames reads SOFTWARE's Microsoft\Windows NT\CurrentVersion\
// ProfileList: each {SID} key's ProfileImagePath names the user's profile
// folder, whose last component is the user name. SIDs are upper-cased.
func ProfileNames(root *windows.Key) (map[string]string, []error) {
	pl, err := root.Open("Microsoft", "Windows NT", "CurrentVersion", "ProfileList")
	if pl == nil {
		return map[string]string{}, nonNil(err)
	}
	subs, err := pl.Subkeys()
	errs := nonNil(err)
	names := make(map[string]string, len(subs))
	for _, k := range subs {
		p, _ := k.String("ProfileImagePath")
		if n := pathBase(strings.TrimRight(strings.TrimSpace(p), `\/`)); n != "" && strings.HasPrefix(strings.ToUpper(k.Name()), "S-1-") {
			names[strings.ToUpper(k.Name())] = n
		}
		errs = append(errs, k.Errs()...)
	}
	return names, errs
}
