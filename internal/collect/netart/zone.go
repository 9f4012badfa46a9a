package netart

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Zone reads Windows Zone.Identifier alternate data streams, the "mark of
// the web" that browsers and mail clients attach to a downloaded file:
// ZoneId, ReferrerUrl (the page) and HostUrl (the file's URL). A stream is
// reachable where the source exposes it by name: a live Windows scan
// (path:Zone.Identifier through the Windows API) and an NTFS volume
// mounted by ntfs-3g with streams_interface=windows (the same name
// syntax). A directory copy, a tar or a mount without that option has no
// streams; the collector then finds nothing, at the cost of one failed
// open per candidate file. Only files a user could have downloaded are
// candidates: in a profile's Downloads, Desktop or Documents (at any
// depth), with an executable, script, installer, document or archive
// extension.
type Zone struct{}

// NewZone returns the Zone.Identifier collector.
func NewZone() *Zone { return &Zone{} }

// Name implements collect.PathCollector.
func (*Zone) Name() string { return "zone-identifier" }

var zoneExts = map[string]bool{".exe": true, ".dll": true, ".msi": true, ".msix": true, ".appx": true,
	".zip": true, ".7z": true, ".rar": true, ".iso": true, ".img": true, ".vhd": true, ".vhdx": true,
	".js": true, ".jse": true, ".vbs": true, ".ps1": true, ".bat": true, ".cmd": true, ".hta": true,
	".lnk": true, ".scr": true, ".jar": true, ".doc": true, ".docm": true, ".xls": true, ".xlsm": true,
	".pdf": true, ".one": true, ".cab": true, ".dmg": true, ".pkg": true, ".tar": true, ".gz": true}

// zoneDirs are the profile folders whose files are probed: where browsers
// and mail clients save downloads and attachments. Probing every file of
// a profile (AppData holds tens of thousands of .js and .dll files) cost
// more than the rest of a scan's per-file work.
var zoneDirs = map[string]bool{"downloads": true, "desktop": true, "documents": true}

// WantsPath implements collect.PathCollector: Users/<name>/{Downloads,
// Desktop,Documents}/… with one of zoneExts.
func (*Zone) WantsPath(env *collect.Env, rel string) bool {
	if env.OS != "windows" || len(rel) < 7 || !strings.EqualFold(rel[:6], "Users/") {
		return false
	}
	_, rest, _ := strings.Cut(rel[6:], "/")
	top, _, ok := strings.Cut(rest, "/")
	return ok && zoneDirs[strings.ToLower(top)] && zoneExts[strings.ToLower(path.Ext(rel))]
}

// maxZoneBytes bounds a stream: real ones are under 1 KiB.
const maxZoneBytes = 64 << 10

// CollectPath implements collect.PathCollector. A file without a stream,
// or a source that exposes none, is not a problem.
func (z *Zone) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, mtime, err := openZone(env, rel)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrInvalid) {
			sink.AddError(rel+":Zone.Identifier", "read", err)
		}
		return nil
	}
	a, ok := parseZone(data)
	if !ok {
		return nil
	}
	a.TargetPath = env.Display(rel)
	a.Source = a.TargetPath + ":Zone.Identifier"
	a.User = collect.UserFromPath(env.OS, rel)
	if t := plausible(mtime.Unix(), int64(mtime.Nanosecond())); t != nil {
		a.LastSeen, a.TimeFrom = t, "file mtime"
	}
	sink.AddArtifact(a)
	return nil
}

// openZone reads rel's Zone.Identifier stream: through the OS by display
// path on a live Windows scan (os.Root refuses ':' in names there), else
// through the source's tree, where an ntfs-3g mount answers the name.
func openZone(env *collect.Env, rel string) ([]byte, time.Time, error) {
	var f fs.File
	var err error
	if env.Live && runtime.GOOS == "windows" {
		f, err = os.Open(env.Display(rel) + ":Zone.Identifier")
	} else {
		f, err = env.FS.Open(rel + ":Zone.Identifier")
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	var mtime time.Time
	if st, err := fs.Stat(env.FS, rel); err == nil {
		mtime = st.ModTime()
	}
	data, err := io.ReadAll(io.LimitReader(f, maxZoneBytes))
	return data, mtime, err
}

// parseZone reads the [ZoneTransfer] section (UTF-8 or UTF-16LE with a
// BOM). ok is false when the stream holds no zone and no URL.
func parseZone(data []byte) (snapshot.Artifact, bool) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		data = utf16LE(data[2:])
	}
	a := snapshot.Artifact{Kind: snapshot.ArtifactZoneIdentifier}
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
	sc.Buffer(make([]byte, 0, 4096), maxZoneBytes)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.ToLower(strings.Trim(line, "[]"))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "zonetransfer" {
			continue
		}
		v = truncate(strings.TrimSpace(v), 8192)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "zoneid":
			if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < 100 {
				a.ZoneID = n
			}
		case "referrerurl":
			a.OriginURL = v
		case "hosturl":
			a.URL = v
		}
	}
	a.Domain = urlDomain(a.URL)
	if a.Domain == "" {
		a.Domain = urlDomain(a.OriginURL)
	}
	return a, a.ZoneID != 0 || a.URL != "" || a.OriginURL != ""
}

func utf16LE(b []byte) []byte {
	var out strings.Builder
	for i := 0; i+1 < len(b); i += 2 {
		c := rune(b[i]) | rune(b[i+1])<<8
		if c >= 0xD800 && c < 0xE000 {
			c = '?'
		}
		out.WriteRune(c)
	}
	return []byte(out.String())
}
