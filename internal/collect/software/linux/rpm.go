package linux

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Bounds on one rpm database: its size and the packages read from it.
const (
	maxRPMDB       = 1 << 30
	maxRPMPackages = 500000
)

// rpmTimeout bounds the time spent on one SQLite database (a variable so
// tests can shorten it).
var rpmTimeout = 2 * time.Minute

// rpmPaths are the databases rpm keeps: Berkeley DB (Packages), ndb
// (Packages.db) and SQLite (rpmdb.sqlite), under /var/lib/rpm or
// /usr/lib/sysimage/rpm (where Fedora and SUSE moved them; /var/lib/rpm is
// then a link, which the walk does not follow).
var rpmPaths = map[string]bool{
	"var/lib/rpm/Packages":              true,
	"var/lib/rpm/Packages.db":           true,
	"var/lib/rpm/rpmdb.sqlite":          true,
	"usr/lib/sysimage/rpm/Packages":     true,
	"usr/lib/sysimage/rpm/Packages.db":  true,
	"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
}

// visitFunc receives one header blob and where in the database it was.
type visitFunc func(at string, blob []byte)

// RPM reads rpm's package database in any of its three formats, told
// apart by content rather than name. SQLite databases are copied into
// Env.TempDir first (with their write-ahead log, which may hold the latest
// installs); the others are read in place.
type RPM struct{}

// NewRPM returns the rpm collector.
func NewRPM() *RPM { return &RPM{} }

var _ collect.PathCollector = (*RPM)(nil)

// Name implements collect.PathCollector.
func (*RPM) Name() string { return "rpm" }

// WantsPath implements collect.PathCollector.
func (*RPM) WantsPath(_ *collect.Env, rel string) bool { return rpmPaths[rel] }

// CollectPath implements collect.PathCollector. Problems with the database
// go to sink.AddError (one per file); only a cancelled context is returned.
func (c *RPM) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, rpmTimeout)
	defer cancel()
	var probs problems
	count := 0
	visit := func(at string, blob []byte) {
		h, err := parseHeader(blob)
		switch {
		case err != nil:
			probs.add(fmt.Errorf("%s: %w", at, err))
		case h.name == "gpg-pubkey": // an imported signing key, not software
		case count < maxRPMPackages:
			count++
			sw := h.software()
			sw.Platform, sw.Scope, sw.Source = "linux", snapshot.ScopeMachine, "rpm:"+env.Display(rel)
			sink.AddSoftware(sw)
		}
	}
	err := readRPMDB(tctx, env, rel, visit, &probs)
	if err == nil && count == maxRPMPackages {
		err = fmt.Errorf("stopped after %d packages", maxRPMPackages)
	}
	if err := errors.Join(err, probs.err()); err != nil {
		return report(ctx, sink, rel, c.Name(), fmt.Errorf("%s: %w", rel, err))
	}
	return nil
}

// readRPMDB opens rel, tells its format from its first bytes and walks it.
func readRPMDB(ctx context.Context, env *collect.Env, rel string, visit visitFunc, probs *problems) error {
	f, size, err := openBounded(env.FS, rel, maxRPMDB)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 16)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("%d bytes is too short for an rpm database", size)
	}
	switch {
	case bytes.Equal(head, []byte("SQLite format 3\x00")):
		dir, done, err := scratchDir(env)
		if err != nil {
			return err
		}
		defer done()
		copied, err := copyDatabase(env.FS, rel, dir, size)
		if err != nil {
			return err
		}
		return readSQLite(ctx, copied, visit, probs)
	case binary.LittleEndian.Uint32(head) == ndbMagic:
		return withReaderAt(env, f, rel, size, func(r io.ReaderAt) error { return readNDB(r, size, visit, probs) })
	case binary.LittleEndian.Uint32(head[12:]) == bdbHashMagic || binary.BigEndian.Uint32(head[12:]) == bdbHashMagic:
		return withReaderAt(env, f, rel, size, func(r io.ReaderAt) error { return readBDB(r, size, visit, probs) })
	}
	return errors.New("not an rpm database (neither SQLite, ndb nor Berkeley DB)")
}

// withReaderAt runs fn over f, or over a private copy when the source's
// files cannot be read at an offset.
func withReaderAt(env *collect.Env, f fs.File, rel string, size int64, fn func(io.ReaderAt) error) error {
	if r, ok := f.(io.ReaderAt); ok {
		return fn(r)
	}
	dir, done, err := scratchDir(env)
	if err != nil {
		return err
	}
	defer done()
	copied, err := copyDatabase(env.FS, rel, dir, size)
	if err != nil {
		return err
	}
	cf, err := os.Open(copied)
	if err != nil {
		return err
	}
	defer cf.Close()
	return fn(cf)
}

// scratchDir makes a private directory under Env.TempDir (or the system's
// temporary directory) and returns the function that removes it.
func scratchDir(env *collect.Env) (string, func(), error) {
	dir, err := os.MkdirTemp(env.TempDir, "rpmdb-")
	if err != nil {
		return "", nil, fmt.Errorf("scratch copy: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// copyDatabase copies rel (and its SQLite write-ahead log, when there is
// one) into dir and returns the copy's path. Only the bytes measured when
// the file was opened are copied.
func copyDatabase(fsys fs.FS, rel, dir string, size int64) (string, error) {
	dst := filepath.Join(dir, path.Base(rel))
	if err := copyFile(fsys, rel, dst, size); err != nil {
		return "", err
	}
	wal := rel + "-wal"
	if err := checkEntry(fsys, wal); errors.Is(err, fs.ErrNotExist) {
		return dst, nil
	} else if err != nil {
		return "", err
	}
	f, walSize, err := openBounded(fsys, wal, maxRPMDB)
	if err != nil {
		return "", err
	}
	f.Close()
	if err := copyFile(fsys, wal, dst+"-wal", walSize); err != nil {
		return "", err
	}
	return dst, nil
}

func copyFile(fsys fs.FS, rel, dst string, size int64) error {
	src, err := fsys.Open(rel)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("scratch copy: %w", err)
	}
	_, err = io.Copy(out, io.LimitReader(src, size))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("scratch copy of %s: %w", rel, err)
	}
	return nil
}
