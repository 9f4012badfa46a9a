package execart

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// maxAmcacheEntries caps the records read from one Amcache hive; real
// ones hold a few thousand files.
const maxAmcacheEntries = 200_000

// Amcache reads both Amcache layouts below the hive's root key:
// Root\InventoryApplicationFile and Root\InventoryApplication (Windows 10
// 1607 and later) and Root\File\{volume}\{file reference} (Windows 8 and
// early 10, values named by hex numbers). The key's last-write time is
// the entry's FirstSeen: when Windows first inventoried (usually first
// ran) the file. source names the hive file.
func Amcache(root *windows.Key, source string, add func(snapshot.Artifact)) []error {
	r, err := root.Open("Root")
	if r == nil {
		if err == nil {
			err = fmt.Errorf("no Root key")
		}
		return []error{err}
	}
	var errs []error
	n := 0
	each := func(path []string, fn func(k *windows.Key) (snapshot.Artifact, bool)) {
		parent, err := r.Open(path...)
		if err != nil {
			errs = append(errs, err)
		}
		if parent == nil {
			return
		}
		subs, err := parent.Subkeys()
		if err != nil {
			errs = append(errs, err)
		}
		for _, k := range subs {
			if n++; n > maxAmcacheEntries {
				errs = append(errs, fmt.Errorf("more than %d Amcache entries; the rest left out", maxAmcacheEntries))
				return
			}
			if a, ok := fn(k); ok {
				a.Source = source + `\` + k.Path()
				add(a)
			}
			errs = append(errs, k.Errs()...)
		}
	}
	each([]string{"InventoryApplicationFile"}, inventoryFile)
	each([]string{"InventoryApplication"}, inventoryApplication)
	vols, err := r.Open("File")
	if err != nil {
		errs = append(errs, err)
	}
	if vols != nil {
		subs, err := vols.Subkeys()
		if err != nil {
			errs = append(errs, err)
		}
		for _, v := range subs {
			each([]string{"File", v.Name()}, legacyFile)
		}
	}
	return errs
}

// inventoryFile reads one Root\InventoryApplicationFile entry.
func inventoryFile(k *windows.Key) (snapshot.Artifact, bool) {
	str := func(n string) string { s, _ := k.String(n); return strings.TrimSpace(s) }
	a := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: str("LowerCaseLongPath"), Name: str("Name"),
		SHA1: sha1FromFileID(str("FileId")), Publisher: str("Publisher"), Product: str("ProductName"),
		FileVersion: firstOf(str("BinFileVersion"), str("Version")), TimeFrom: "key last-write"}
	if a.Name == "" {
		a.Name = pathBase(a.Path)
	}
	a.Size = sizeValue(k, "Size")
	if t, err := time.Parse("01/02/2006 15:04:05", str("LinkDate")); err == nil {
		a.LinkTime = &t
	}
	a.FirstSeen = keyTime(k)
	return a, a.Path != "" || a.SHA1 != ""
}

// inventoryApplication reads one Root\InventoryApplication program.
func inventoryApplication(k *windows.Key) (snapshot.Artifact, bool) {
	str := func(n string) string { s, _ := k.String(n); return strings.TrimSpace(s) }
	a := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheProgram, Name: str("Name"), Publisher: str("Publisher"),
		FileVersion: str("Version"), Path: str("RootDirPath"), TimeFrom: "install date"}
	if t, err := time.Parse("01/02/2006 15:04:05", str("InstallDate")); err == nil {
		a.FirstSeen = &t
	} else {
		a.FirstSeen, a.TimeFrom = keyTime(k), "key last-write"
	}
	return a, a.Name != ""
}

// legacyFile reads one Root\File\{volume}\{reference} entry: 0 product,
// 1 company, 5 file version, 6 size, f link time (Unix seconds), 15 full
// path, 101 SHA-1 (after four zeros).
func legacyFile(k *windows.Key) (snapshot.Artifact, bool) {
	str := func(n string) string { s, _ := k.String(n); return strings.TrimSpace(s) }
	a := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: str("15"), Product: str("0"),
		Publisher: str("1"), FileVersion: str("5"), SHA1: sha1FromFileID(str("101")), TimeFrom: "key last-write"}
	a.Name = pathBase(a.Path)
	a.Size = sizeValue(k, "6")
	if v, ok := k.Int("f"); ok && v > 0 {
		t := time.Unix(int64(v), 0).UTC()
		a.LinkTime = &t
	}
	a.FirstSeen = keyTime(k)
	return a, a.Path != "" || a.SHA1 != ""
}

// sha1FromFileID strips the four zeros Amcache puts before a SHA-1 and
// checks what is left is one.
func sha1FromFileID(id string) string {
	id = strings.ToLower(id)
	if len(id) == 44 && strings.HasPrefix(id, "0000") {
		id = id[4:]
	}
	if len(id) != 40 || strings.Trim(id, "0123456789abcdef") != "" {
		return ""
	}
	return id
}

// sizeValue reads a size stored as a DWORD/QWORD or as a decimal or 0x string.
func sizeValue(k *windows.Key, name string) int64 {
	if v, ok := k.Int(name); ok && v < 1<<62 {
		return int64(v)
	}
	s, _ := k.String(name)
	v, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

func keyTime(k *windows.Key) *time.Time {
	t := k.LastWrite()
	if t.IsZero() {
		return nil
	}
	return &t
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
