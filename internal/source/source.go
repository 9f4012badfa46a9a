// Package source gives one read-only view of a file tree to scan: the live
// host's root, a directory on it, or the root of a mounted disk image.
//
// Symlink rules: a Source never follows a symbolic link out of its root.
// Opening a path through the Source resolves links inside the root only;
// inside an image, an absolute link target is taken relative to the image
// root (as the imaged system would see it). The walk itself never follows
// links at all: it reports them as skipped.
package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Kinds of source.
const (
	Live  = "live"  // the running machine (or a directory on it)
	Image = "image" // the root of another machine's file system
)

// Operating systems a source can hold.
const (
	Windows = "windows"
	MacOS   = "macos"
	Linux   = "linux"
	Unknown = "unknown"
)

// Source is a read-only file tree confined to its root.
type Source struct {
	// Root is the OS path of the tree's top.
	Root string
	// Kind is Live or Image.
	Kind string
	// OS is what the tree holds (detected or overridden).
	OS   string
	root *os.Root
	// displayPrefix turns a slash path under root into the path as the
	// scanned system names it.
	displayPrefix string
}

// Options control how a source is opened.
type Options struct {
	// Image forces image semantics even when the root looks like part of
	// the live host.
	Image bool
	// OS overrides detection.
	OS string
}

// Open opens root. With no root, it opens the live machine's system root.
// A root holding an operating system's markers (other than the live root
// itself) is an image; any other directory is part of the live host.
func Open(root string, opt Options) (*Source, error) {
	if root == "" {
		root = LiveRoot()
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", root, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", root, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory", root)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", root, err)
	}
	s := &Source{Root: abs, root: r, Kind: Live}
	detected := DetectOS(r.FS())
	switch {
	case opt.OS != "":
		if !ValidOS(opt.OS) {
			r.Close()
			return nil, fmt.Errorf("unknown OS %q (want windows, macos or linux)", opt.OS)
		}
		s.OS = opt.OS
	case detected != Unknown:
		s.OS = detected
	default:
		s.OS = hostOS()
	}
	isLiveRoot := abs == filepath.Clean(LiveRoot())
	if !isLiveRoot && (opt.Image || opt.OS != "" || detected != Unknown) {
		s.Kind = Image
	}
	s.displayPrefix = s.computeDisplayPrefix()
	return s, nil
}

// Close releases the root handle.
func (s *Source) Close() error { return s.root.Close() }

// FS is the tree as an fs.FS (it also implements fs.StatFS, fs.ReadDirFS,
// fs.ReadFileFS), confined to the root.
func (s *Source) FS() fs.FS { return chrootFS{s} }

// Display turns a slash path relative to the root into the path as the
// scanned system names it: `C:\Users\…` in a Windows image, `/Users/…` in a
// macOS image, the host path for a live directory.
func (s *Source) Display(rel string) string {
	rel = strings.TrimPrefix(rel, "./")
	if rel == "." {
		rel = ""
	}
	if s.OS == Windows {
		return s.displayPrefix + strings.ReplaceAll(rel, "/", `\`)
	}
	if isCleanRel(rel) {
		switch {
		case rel == "":
			return s.displayPrefix
		case strings.HasSuffix(s.displayPrefix, "/"):
			return s.displayPrefix + rel
		}
		return s.displayPrefix + "/" + rel
	}
	return path.Join(s.displayPrefix, rel)
}

// isCleanRel reports a relative slash path that path.Clean would leave as
// it is (the walk only makes such paths), so Display can skip cleaning.
func isCleanRel(rel string) bool {
	start := 0
	for i := 0; i <= len(rel); i++ {
		if i < len(rel) && rel[i] != '/' {
			continue
		}
		switch rel[start:i] {
		case "", ".", "..":
			if len(rel) > 0 {
				return false
			}
		}
		start = i + 1
	}
	return true
}

func (s *Source) computeDisplayPrefix() string {
	if s.Kind == Image {
		if s.OS == Windows {
			return `C:\`
		}
		return "/"
	}
	p := s.Root
	if runtime.GOOS == "windows" {
		return strings.TrimSuffix(p, `\`) + `\`
	}
	return p
}

// Lstat describes the named file without following a final symlink.
func (s *Source) Lstat(name string) (fs.FileInfo, error) { return s.root.Lstat(clean(name)) }

// LiveRoot is the running system's root directory.
func LiveRoot() string {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("SystemDrive"); d != "" {
			return d + `\`
		}
		return `C:\`
	}
	return "/"
}

func hostOS() string {
	switch runtime.GOOS {
	case "windows":
		return Windows
	case "darwin":
		return MacOS
	case "linux":
		return Linux
	}
	return Unknown
}

// ValidOS reports whether o names an OS a source can be read as.
func ValidOS(o string) bool { return o == Windows || o == MacOS || o == Linux }

func clean(name string) string {
	name = path.Clean("/" + filepath.ToSlash(name))
	if name == "/" {
		return "."
	}
	return name[1:]
}

// DetectOS reports which operating system a tree holds, from its markers.
func DetectOS(fsys fs.FS) string {
	exists := func(p string) bool { _, err := fs.Stat(fsys, p); return err == nil }
	switch {
	case exists("Windows/System32/config/SOFTWARE") || exists("windows/system32/config/SOFTWARE") || exists("Windows/System32"):
		return Windows
	case exists("System/Library/CoreServices/SystemVersion.plist"):
		return MacOS
	case exists("etc/os-release") || exists("usr/lib/os-release") || exists("var/lib/dpkg") || exists("var/lib/rpm") || exists("lib/apk"):
		return Linux
	case exists("Applications") && exists("Users"):
		return MacOS
	}
	return Unknown
}

var errTooManyLinks = errors.New("too many levels of symbolic links")
