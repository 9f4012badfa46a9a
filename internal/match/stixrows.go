package match

import (
	"net/netip"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// STIX object paths the index keys of inventory rows use; they are written
// as stixpattern.Path.String() writes them.
const (
	keySHA256 = "file:hashes.'SHA-256'"
	keySHA1   = "file:hashes.'SHA-1'"
	keyMD5    = "file:hashes.MD5"
	keyName   = "file:name"
	keyDir    = "file:parent_directory_ref.path"
	keySWName = "software:name"
	keySWVer  = "software:version"
	keySWVend = "software:vendor"
	keyURL    = "url:value"
	keyDomain = "domain-name:value"
	keyIPv4   = "ipv4-addr:value"
	keyIPv6   = "ipv6-addr:value"
)

// keyAdder collects the index keys of a row, for the paths wanted only.
type keyAdder struct {
	want func(string) bool
	keys []string
}

func (k *keyAdder) add(path, v string) {
	if v != "" && (k.want == nil || k.want(path)) {
		k.keys = append(k.keys, stixKey(path, v))
	}
}

// fileRow sees a file as a STIX file object with its directory, observed
// from first to last.
func fileRow(f *snapshot.File, first, last time.Time, want func(string) bool) row {
	dir, name := splitPath(f.Path)
	k := keyAdder{want: want}
	add := k.add
	add(keySHA256, f.SHA256)
	add(keySHA1, f.SHA1)
	add(keyMD5, f.MD5)
	add(keyName, name)
	add(keyDir, dir)
	return row{keys: k.keys, types: []string{"file", "directory"}, build: func() (stixpattern.Observation, error) {
		objs := map[string]map[string]any{"0": fileObject(f, name, dir), "1": {"type": "directory", "path": dir}}
		return stixpattern.NewObservation("observed-data--file", first, last, 1, objs)
	}}
}

func fileObject(f *snapshot.File, name, dir string) map[string]any {
	hashes := map[string]any{}
	for k, v := range map[string]string{"SHA-256": f.SHA256, "SHA-1": f.SHA1, "MD5": f.MD5} {
		if v != "" {
			hashes[k] = v
		}
	}
	obj := map[string]any{"type": "file", "name": name, "size": f.Size, "parent_directory_ref": "1"}
	if len(hashes) > 0 {
		obj["hashes"] = hashes
	}
	if !f.ModTime.IsZero() {
		obj["mtime"] = f.ModTime.UTC().Format(time.RFC3339Nano)
	}
	return obj
}

// softwareRow sees an installed product as a STIX software object,
// observed from first to last.
func softwareRow(sw *snapshot.Software, first, last time.Time, want func(string) bool) row {
	k := keyAdder{want: want}
	k.add(keySWName, sw.Name)
	k.add(keySWVer, sw.Version)
	k.add(keySWVend, sw.Vendor)
	return row{keys: k.keys, types: []string{"software"}, build: func() (stixpattern.Observation, error) {
		obj := map[string]any{"type": "software", "name": sw.Name}
		if sw.Version != "" {
			obj["version"] = sw.Version
		}
		if sw.Vendor != "" {
			obj["vendor"] = sw.Vendor
		}
		return stixpattern.NewObservation("observed-data--software", first, last, 1, map[string]map[string]any{"0": obj})
	}}
}

// artifactRow sees a network or download record as url, domain-name and
// address objects, plus the saved file for a download, observed when the
// record says (a visit's own times) or else from first to last.
func artifactRow(a *snapshot.Artifact, domain string, first, last time.Time, want func(string) bool) row {
	if a.FirstSeen != nil {
		first = *a.FirstSeen
	}
	if a.LastSeen != nil {
		last = *a.LastSeen
	}
	if last.Before(first) {
		first = last
	}
	k := keyAdder{want: want}
	objs := map[string]map[string]any{}
	if a.URL != "" {
		k.add(keyURL, a.URL)
		objs["url"] = map[string]any{"type": "url", "value": a.URL}
	}
	if domain != "" {
		k.add(keyDomain, domain)
		objs["domain"] = map[string]any{"type": "domain-name", "value": domain}
	}
	if addr, err := netip.ParseAddr(a.IP); err == nil {
		typ, key := "ipv4-addr", keyIPv4
		if addr.Unmap().Is6() {
			typ, key = "ipv6-addr", keyIPv6
		}
		k.add(key, a.IP)
		objs["ip"] = map[string]any{"type": typ, "value": a.IP}
		if d := objs["domain"]; d != nil {
			d["resolves_to_refs"] = []any{"ip"}
		}
	}
	if a.TargetPath != "" {
		dir, name := splitPath(a.TargetPath)
		k.add(keyName, name)
		k.add(keyDir, dir)
		objs["file"] = map[string]any{"type": "file", "name": name, "parent_directory_ref": "dir"}
		objs["dir"] = map[string]any{"type": "directory", "path": dir}
	}
	count := int64(max(a.Count, 1))
	var types []string
	for _, o := range objs {
		types = append(types, o["type"].(string))
	}
	return row{keys: k.keys, types: types, build: func() (stixpattern.Observation, error) {
		return stixpattern.NewObservation("observed-data--artifact", first, last, count, objs)
	}}
}

// splitPath splits a Windows or POSIX path into directory and name.
func splitPath(p string) (dir, name string) {
	i := strings.LastIndexAny(p, `/\`)
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}
