package codesign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/macho"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

// Inspection is one file's full record, as `cascade inspect` shows it.
type Inspection struct {
	File snapshot.File `json:"file"`
	// Error says what could not be parsed; the rest of the record stands.
	Error string `json:"error,omitempty"`
	// Bundle is set when an app bundle was inspected: File is then its main
	// executable and the seal's anomalies are among File.Anomalies.
	Bundle *macho.SealReport `json:"bundle,omitempty"`
	// Catalog is set when the file is a Windows catalog (.cat): its
	// members; its signature is File's.
	Catalog *CatalogReport `json:"catalog,omitempty"`
}

// Inspect reads one file (or an .app bundle directory) read-only and
// returns its record: type, size, digests, metadata, signatures and
// anomalies. The error is for a path that cannot be read at all.
func Inspect(ctx context.Context, path string, opts Options) (*Inspection, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	ins := &Inspection{}
	if st.IsDir() {
		if path, err = ins.bundle(ctx, path); err != nil {
			return nil, err
		}
	}
	if err := ins.readFile(ctx, c, path); err != nil {
		return nil, err
	}
	if ins.Bundle != nil {
		ins.File.Anomalies = append(ins.File.Anomalies, ins.Bundle.Anomalies...)
	}
	return ins, nil
}

// bundle checks the seal of the app bundle at dir and returns the path of
// its main executable.
func (ins *Inspection) bundle(ctx context.Context, dir string) (string, error) {
	dir = filepath.Clean(dir)
	seal := filepath.Join(dir, "Contents", "_CodeSignature", "CodeResources")
	if _, err := os.Stat(seal); err != nil {
		return "", fmt.Errorf("%s is a directory but not a sealed app bundle: %w", dir, err)
	}
	// The seal is checked through the confined source view, as a scan
	// checks it: no link is followed out of the bundle's directory and no
	// FIFO is read.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	src, err := source.Open(filepath.Dir(abs), source.Options{})
	if err != nil {
		return "", err
	}
	defer src.Close()
	rep, err := macho.Seal(ctx, src.FS(), filepath.Base(abs), macho.SealLimits{})
	if err != nil {
		if rep == nil {
			return "", fmt.Errorf("bundle %s: %w", dir, err)
		}
		ins.Error = err.Error()
	}
	ins.Bundle = rep
	return filepath.Join(filepath.Dir(dir), filepath.FromSlash(rep.Executable)), nil
}

func (ins *Inspection) readFile(ctx context.Context, c *Collector, path string) error {
	f, st, err := openConfined(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ins.File = snapshot.File{Path: path, Size: st.Size(), ModTime: st.ModTime().UTC()}
	head := make([]byte, collect.SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", path, err)
	}
	ins.File.Type = collect.SniffName(filepath.Base(path), head[:n], nil)
	if err := digests(f, &ins.File); err != nil {
		return err
	}
	if c.WantsContent(&ins.File) {
		if err := c.CollectContent(ctx, f, &ins.File); err != nil {
			ins.Error = join(ins.Error, err.Error())
		}
	} else if ins.File.Type == snapshot.TypeOther && looksLikeCatalog(path, head[:n]) {
		ins.inspectCatalog(c, f, st.Size())
	}
	if c.opt.Catalogs != nil {
		AddCatalogSignatures(c.opt.Catalogs, &ins.File)
	}
	return nil
}

// openConfined opens path through the confined source view every other
// reader uses (internal/source), rooted at its directory: a symbolic link
// is refused, not followed, and a device, FIFO or socket is never opened
// for reading.
func openConfined(path string) (*os.File, fs.FileInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	src, err := source.Open(filepath.Dir(abs), source.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	name := filepath.Base(abs)
	if lst, err := src.Lstat(name); err != nil {
		return nil, nil, err
	} else if lst.Mode()&fs.ModeSymlink != 0 {
		return nil, nil, fmt.Errorf("%s: a symbolic link, not followed (inspect its target)", path)
	}
	file, err := src.FS().Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	f, ok := file.(*os.File)
	st, err := file.Stat()
	if err == nil && (!ok || !st.Mode().IsRegular()) {
		err = fmt.Errorf("%s: not a regular file", path)
	}
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func digests(f io.Reader, rec *snapshot.File) error {
	if err := collect.Hash(f, collect.Digests{SHA256: true, SHA1: true, MD5: true}, rec); err != nil {
		return fmt.Errorf("%s: %w", rec.Path, err)
	}
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
