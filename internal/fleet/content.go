package fleet

import "github.com/cascade-ir/cascade/internal/snapshot"

// Removed lists the keys of records gone since the base snapshot.
type Removed struct {
	Software  []Key `json:"software,omitempty"`
	Files     []Key `json:"files,omitempty"`
	Artifacts []Key `json:"artifacts,omitempty"`
}

// Len is the number of removed keys.
func (r *Removed) Len() int { return len(r.Software) + len(r.Files) + len(r.Artifacts) }

// Dedup drops records whose key already occurred earlier in the snapshot,
// so each key names exactly one record.
func Dedup(s *snapshot.Snapshot) {
	s.Software = dedup(s.Software, SoftwareKey)
	s.Files = dedup(s.Files, FileKey)
	s.Artifacts = dedup(s.Artifacts, ArtifactKey)
}

func dedup[T any](items []T, key func(*T) Key) []T {
	seen := make(map[Key]struct{}, len(items))
	out := items[:0]
	for i := range items {
		k := key(&items[i])
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, items[i])
	}
	return out
}

// StateDigest is the digest of every record's key in a deduplicated
// snapshot: the server keeps the same digest of a host's open observations.
func StateDigest(s *snapshot.Snapshot) Digest {
	var d Digest
	for i := range s.Software {
		d.Toggle(SoftwareKey(&s.Software[i]))
	}
	for i := range s.Files {
		d.Toggle(FileKey(&s.Files[i]))
	}
	for i := range s.Artifacts {
		d.Toggle(ArtifactKey(&s.Artifacts[i]))
	}
	return d
}

// MakeDelta describes cur as changes to prev (both deduplicated): the
// records of cur that prev lacks, and the keys of prev that cur lacks.
// base is the server's id for prev.
func MakeDelta(prev, cur *snapshot.Snapshot, base string) *Delta {
	d := &Delta{Base: base, Snapshot: *cur, Digest: StateDigest(cur)}
	d.Snapshot.Software, d.Remove.Software = diff(prev.Software, cur.Software, SoftwareKey)
	d.Snapshot.Files, d.Remove.Files = diff(prev.Files, cur.Files, FileKey)
	d.Snapshot.Artifacts, d.Remove.Artifacts = diff(prev.Artifacts, cur.Artifacts, ArtifactKey)
	return d
}

func diff[T any](prev, cur []T, key func(*T) Key) (added []T, removed []Key) {
	had := make(map[Key]struct{}, len(prev))
	for i := range prev {
		had[key(&prev[i])] = struct{}{}
	}
	for i := range cur {
		k := key(&cur[i])
		if _, ok := had[k]; ok {
			delete(had, k)
			continue
		}
		added = append(added, cur[i])
	}
	for k := range had {
		removed = append(removed, k)
	}
	return added, removed
}
