package persist

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"howett.net/plist"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/macos"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// LoginItems reads macOS login items: the programs a user's session opens
// at login.
//   - macOS 10.13–12: ~/Library/Application Support/
//     com.apple.backgroundtaskmanagementagent/backgrounditems.btm, a keyed
//     archive whose BackgroundLoginItem objects hold bookmark data;
//   - macOS 13 and later: /private/var/db/com.apple.backgroundtaskmanagement/
//     BackgroundItems-v*.btm, a keyed archive of ItemRecord objects (name,
//     executablePath, url, bundleIdentifier, developerName), one store for
//     every user;
//   - macOS 10.12 and before: ~/Library/Preferences/com.apple.loginitems.plist,
//     SessionItems/CustomListItems with alias or bookmark data.
//
// An item that is an application bundle names the bundle's executable
// (Contents/Info.plist CFBundleExecutable) as its program when the bundle
// is in the source.
type LoginItems struct{}

// NewLoginItems returns the login items collector.
func NewLoginItems() *LoginItems { return &LoginItems{} }

// Name implements collect.PathCollector.
func (*LoginItems) Name() string { return "persist-loginitems" }

const (
	btmAgentFile   = "Library/Application Support/com.apple.backgroundtaskmanagementagent/backgrounditems.btm"
	loginItemsFile = "Library/Preferences/com.apple.loginitems.plist"
	btmStoreDir    = "private/var/db/com.apple.backgroundtaskmanagement"
	maxLoginItems  = maxEntries
)

// loginItemKind says which login item store rel is ("" for none).
func loginItemKind(rel string) string {
	if d, f := path.Split(rel); d == btmStoreDir+"/" && strings.HasPrefix(f, "BackgroundItems-v") && strings.HasSuffix(f, ".btm") {
		return "store"
	}
	home := homeOf(rel)
	if home == "" || !strings.HasPrefix(home, "Users/") {
		if !strings.HasPrefix(rel, "private/var/root/") {
			return ""
		}
		home = "private/var/root"
	}
	switch strings.TrimPrefix(rel, home+"/") {
	case btmAgentFile:
		return "agent"
	case loginItemsFile:
		return "plist"
	}
	return ""
}

// WantsPath implements collect.PathCollector.
func (*LoginItems) WantsPath(env *collect.Env, rel string) bool {
	return env.OS == "macos" && loginItemKind(rel) != ""
}

// loginItem is one entry before it becomes an artifact.
type loginItem struct {
	name, path, bundleID, developer string
	hidden                          bool
}

// CollectPath implements collect.PathCollector.
func (*LoginItems) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, mtime, err := readBounded(env.FS, rel)
	if err != nil {
		sink.AddError(rel, "read", err)
		return nil
	}
	var items []loginItem
	if loginItemKind(rel) == "plist" {
		items, err = legacyLoginItems(data)
	} else {
		items, err = btmLoginItems(data)
	}
	if err != nil {
		sink.AddError(rel, stage, entryError(rel, "login items", err))
		if len(items) == 0 {
			return nil
		}
	}
	user := collect.UserFromPath(env.OS, rel)
	for _, it := range items {
		a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechLoginItem,
			Name: clip(it.name), Command: clip(bundleExecutable(env.FS, it.path)), Trigger: "login",
			Source: env.Display(rel), User: user, RunAs: user}
		if it.hidden {
			a.Trigger = "login (hidden)"
		}
		a.LastSeen, a.TimeFrom = timePtr(mtime), TimeFileMtime
		setProgram(env, sink, &a, "", homeOf(rel))
		setNetwork(&a)
		sink.AddArtifact(a)
	}
	return nil
}

// bundleExecutable returns an application bundle's executable
// (CFBundleExecutable under Contents/MacOS) when p is a bundle in fsys,
// else p itself.
func bundleExecutable(fsys fs.FS, p string) string {
	if !strings.HasSuffix(strings.TrimSuffix(p, "/"), ".app") || !strings.HasPrefix(p, "/") {
		return p
	}
	p = strings.TrimSuffix(p, "/")
	data, _, err := readBounded(fsys, strings.TrimPrefix(p, "/")+"/Contents/Info.plist")
	if err != nil {
		return p
	}
	var info struct {
		Exe string `plist:"CFBundleExecutable"`
	}
	if macos.DecodePlist(data, &info) != nil || info.Exe == "" || strings.ContainsAny(info.Exe, "/\x00") || info.Exe == ".." {
		return p
	}
	return p + "/Contents/MacOS/" + info.Exe
}

// legacyLoginItems reads com.apple.loginitems.plist.
func legacyLoginItems(data []byte) ([]loginItem, error) {
	var doc struct {
		SessionItems struct {
			CustomListItems []struct {
				Name     string `plist:"Name"`
				Alias    []byte `plist:"Alias"`
				Bookmark []byte `plist:"Bookmark"`
				Props    struct {
					Hidden bool `plist:"com.apple.LSSharedFileList.ItemIsHidden"`
				} `plist:"CustomItemProperties"`
			} `plist:"CustomListItems"`
		} `plist:"SessionItems"`
	}
	if err := macos.DecodePlist(data, &doc); err != nil {
		return nil, err
	}
	var out []loginItem
	var errs []error
	for i, e := range doc.SessionItems.CustomListItems {
		if i == maxLoginItems {
			errs = append(errs, fmt.Errorf("more than %d items; the rest not read", maxLoginItems))
			break
		}
		it := loginItem{name: e.Name, hidden: e.Props.Hidden}
		var err error
		switch {
		case len(e.Bookmark) > 0:
			var bm bookmark
			bm, err = parseBookmark(e.Bookmark)
			it.path = bm.Path
		case len(e.Alias) > 0:
			it.path, err = parseAlias(e.Alias)
		default:
			err = errors.New("neither alias nor bookmark data")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("item %d (%.64q): %w", i, e.Name, err))
			continue
		}
		out = append(out, it)
	}
	return out, errors.Join(errs...)
}

// archive is an NSKeyedArchiver plist, its object table read shallowly:
// a value is a scalar, data, a UID or an array of UIDs, and an object is a
// dictionary of such values, so objects shared by reference are never
// expanded.
type archive struct {
	Archiver string    `plist:"$archiver"`
	Objects  []archObj `plist:"$objects"`
}

type archVal struct {
	uid  *plist.UID
	str  *string
	num  *int64
	flag *bool
	data []byte
	uids []plist.UID
}

// UnmarshalPlist implements plist.Unmarshaler.
func (v *archVal) UnmarshalPlist(unmarshal func(any) error) error {
	var u plist.UID
	if unmarshal(&u) == nil {
		v.uid = &u
		return nil
	}
	var s string
	if unmarshal(&s) == nil {
		v.str = &s
		return nil
	}
	var n int64
	if unmarshal(&n) == nil {
		v.num = &n
		return nil
	}
	var b bool
	if unmarshal(&b) == nil {
		v.flag = &b
		return nil
	}
	var d []byte
	if unmarshal(&d) == nil {
		v.data = d
		return nil
	}
	var us []plist.UID
	if unmarshal(&us) == nil && len(us) <= maxLoginItems*4 {
		v.uids = us
	}
	return nil // anything else is not needed
}

type archObj struct {
	archVal
	dict map[string]archVal
}

// UnmarshalPlist implements plist.Unmarshaler.
func (o *archObj) UnmarshalPlist(unmarshal func(any) error) error {
	var d map[string]archVal
	if unmarshal(&d) == nil {
		o.dict = d
		return nil
	}
	return o.archVal.UnmarshalPlist(unmarshal)
}

// decodeArchive reads a keyed archive's object table.
func decodeArchive(data []byte, a *archive) error {
	if err := macos.DecodePlist(data, a); err != nil {
		return err
	}
	if a.Archiver != "NSKeyedArchiver" {
		return fmt.Errorf("not a keyed archive (archiver %.32q)", a.Archiver)
	}
	return nil
}

// btmLoginItems reads the login items of a Background Task Management
// keyed archive, old (BackgroundLoginItem with bookmark data) or new
// (ItemRecord).
func btmLoginItems(data []byte) ([]loginItem, error) {
	var a archive
	if err := decodeArchive(data, &a); err != nil {
		return nil, err
	}
	obj := func(v archVal) (archObj, bool) {
		if v.uid == nil || *v.uid == 0 || uint64(*v.uid) >= uint64(len(a.Objects)) { // 0 is $null
			return archObj{}, false
		}
		return a.Objects[*v.uid], true
	}
	str := func(v archVal) string {
		if v.str != nil {
			return *v.str
		}
		if o, ok := obj(v); ok && o.str != nil {
			return *o.str
		}
		return ""
	}
	class := func(o archObj) string {
		c, ok := obj(o.dict["$class"])
		if !ok {
			return ""
		}
		return str(c.dict["$classname"])
	}
	var out []loginItem
	var errs []error
	for i, o := range a.Objects {
		if o.dict == nil {
			continue
		}
		if len(out) == maxLoginItems {
			errs = append(errs, fmt.Errorf("more than %d items; the rest not read", maxLoginItems))
			break
		}
		switch class(o) {
		case "BackgroundLoginItem":
			bmo, ok := obj(o.dict["bookmark"])
			if !ok {
				continue
			}
			d, ok := obj(bmo.dict["data"])
			if !ok || d.data == nil {
				d.data = bmo.data
			}
			bm, err := parseBookmark(d.data)
			if err != nil {
				errs = append(errs, fmt.Errorf("object %d: %w", i, err))
				continue
			}
			it := loginItem{name: bm.DisplayName, path: bm.Path}
			if h := o.dict["hidden"].flag; h != nil {
				it.hidden = *h
			}
			if it.name == "" {
				it.name = strings.TrimSuffix(path.Base(bm.Path), ".app")
			}
			out = append(out, it)
		case "ItemRecord":
			it := loginItem{name: str(o.dict["name"]), path: str(o.dict["executablePath"]),
				bundleID: str(o.dict["bundleIdentifier"]), developer: str(o.dict["developerName"])}
			if it.path == "" {
				if u, ok := obj(o.dict["url"]); ok {
					it.path = fileURLPath(str(u.dict["NS.relative"]))
				}
			}
			if it.path == "" {
				continue // a record without a program (a team or developer entry)
			}
			if it.name == "" {
				it.name = it.bundleID
			}
			out = append(out, it)
		}
	}
	return out, errors.Join(errs...)
}

// fileURLPath returns the path of a file URL ("" for other URLs).
func fileURLPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return u.Path
}
