package netart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// sqliteMagic opens every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// dbSiblings are the files SQLite keeps beside a database: the write-ahead
// log (rows committed but not yet checkpointed live only there) and the
// rollback journal (a hot journal undoes a half-written transaction). The
// shared-memory index (-shm) is rebuilt from the log, so it is not copied.
var dbSiblings = []string{"-wal", "-journal"}

// dbCopy is a private copy of a browser database in a scratch directory.
type dbCopy struct {
	Path       string // the copied database file
	HasJournal bool   // a non-empty rollback journal was copied beside it
	// Notes are problems with the siblings: the database is still read,
	// possibly without its most recent rows.
	Notes []error
}

var errNotSQLite = errors.New("not an SQLite 3 database (bad header)")

// copyDB copies rel and its siblings from fsys into dir, refusing any file
// larger than maxBytes. Only the copy is ever opened by SQLite.
func copyDB(ctx context.Context, fsys fs.FS, rel, dir string, maxBytes int64) (*dbCopy, error) {
	c := &dbCopy{Path: filepath.Join(dir, "db")}
	n, err := copyFile(ctx, fsys, rel, c.Path, maxBytes)
	if err != nil {
		return nil, err
	}
	if err := checkMagic(c.Path, n); err != nil {
		return nil, err
	}
	for _, suffix := range dbSiblings {
		n, err := copyFile(ctx, fsys, rel+suffix, c.Path+suffix, maxBytes)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			os.Remove(c.Path + suffix)
			c.Notes = append(c.Notes, fmt.Errorf("%w (database read without it)", err))
		case suffix == "-journal" && n > 0:
			c.HasJournal = true
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return c, nil
}

// copyFile copies one file, failing when it holds more than maxBytes.
// Errors name the file by its base name: the caller names the database.
func copyFile(ctx context.Context, fsys fs.FS, rel, dst string, maxBytes int64) (int64, error) {
	name := path.Base(rel)
	src, err := fsys.Open(rel)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", name, err)
	}
	defer src.Close()
	if st, err := src.Stat(); err == nil && !st.Mode().IsRegular() {
		return 0, fmt.Errorf("copy %s: not a regular file", name)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", name, err)
	}
	n, err := io.Copy(out, io.LimitReader(ctxReader{ctx, src}, maxBytes+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return n, fmt.Errorf("copy %s at byte %d: %w", name, n, err)
	case n > maxBytes:
		return n, fmt.Errorf("copy %s: larger than the %d-byte cap; not read", name, maxBytes)
	}
	return n, nil
}

// checkMagic rejects a copy that is not an SQLite database before SQLite
// sees it (an empty file would otherwise open as an empty database).
func checkMagic(path string, size int64) error {
	if size < 512 {
		return fmt.Errorf("%w: %d bytes", errNotSQLite, size)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil {
		return err
	}
	if !bytes.Equal(head, sqliteMagic) {
		return errNotSQLite
	}
	return nil
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
