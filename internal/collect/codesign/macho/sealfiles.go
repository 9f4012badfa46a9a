package macho

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// checkSealed verifies every sealed entry against the bundle.
func (c *sealCheck) checkSealed() error {
	names := make([]string, 0, len(c.doc.files))
	for n := range c.doc.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i%64 == 0 && c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		if !fs.ValidPath(n) {
			c.changed = append(c.changed, n+" (invalid path)")
			continue
		}
		if err := c.checkEntry(n, c.doc.files[n]); err != nil {
			return err
		}
	}
	return nil
}

func (c *sealCheck) checkEntry(name string, e sealEntry) error {
	p := path.Join(c.contents, name)
	st, err := fs.Stat(c.fsys, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !e.optional {
			c.missing = append(c.missing, name)
		}
		return nil
	case err != nil:
		return err
	case e.symlink != "":
		return nil // link targets are not followed out of the FS
	case st.IsDir():
		if !e.nested {
			c.changed = append(c.changed, name+" (now a directory)")
		}
		return nil
	case e.cdhash != nil:
		c.checkNested(name, p, e.cdhash)
		return nil
	}
	ok, err := c.hashMatches(p, e)
	if err != nil {
		return err
	}
	c.rep.Checked++
	if !ok {
		c.changed = append(c.changed, name)
	}
	return nil
}

// checkNested compares a nested Mach-O's code directory hashes with the
// sealed cdhash.
func (c *sealCheck) checkNested(name, p string, want []byte) {
	cds, err := c.codeDirsOf(p)
	c.rep.Checked++
	for _, cd := range cds {
		if bytes.HasPrefix(want, cd.cdhash()) {
			return
		}
	}
	if err != nil {
		name += fmt.Sprintf(" (nested code: %v)", err)
	}
	c.changed = append(c.changed, name)
}

func (c *sealCheck) hashMatches(p string, e sealEntry) (bool, error) {
	var h hash.Hash
	want := e.sha256
	if want != nil {
		h = sha256.New()
	} else {
		h, want = sha1.New(), e.sha1
	}
	f, err := c.fsys.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	n, err := io.Copy(h, io.LimitReader(f, c.lim.MaxBytes-c.hashed+1))
	c.hashed += n
	if err != nil {
		return false, fmt.Errorf("%s: %w", p, err)
	}
	if c.hashed > c.lim.MaxBytes {
		return false, fmt.Errorf("bundle larger than %d bytes: seal check stopped", c.lim.MaxBytes)
	}
	return bytes.Equal(h.Sum(nil), want), nil
}

// findAdded walks Contents for files the rules seal but CodeResources does
// not list.
func (c *sealCheck) findAdded() error {
	seen := 0
	return fs.WalkDir(c.fsys, c.contents, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, c.contents+"/")
		if p == c.contents {
			return nil
		}
		if seen++; seen > c.lim.MaxFiles {
			return fmt.Errorf("bundle has more than %d entries: seal check stopped", c.lim.MaxFiles)
		}
		if rel == "_CodeSignature" || rel == "CodeResources" {
			return skipDir(d)
		}
		if _, sealed := c.doc.files[rel]; sealed {
			return skipDir(d) // a sealed nested bundle is checked as a whole
		}
		if d.IsDir() || rel == "MacOS/"+c.exe {
			return nil
		}
		if r := c.doc.rule(rel); r != nil && !r.omit {
			c.added = append(c.added, rel)
		}
		return nil
	})
}

func skipDir(d fs.DirEntry) error {
	if d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// report turns the lists into anomalies.
func (c *sealCheck) report() {
	for _, k := range []struct {
		list []string
		what string
	}{
		{c.changed, "changed since the bundle was sealed"},
		{c.missing, "sealed but missing"},
		{c.added, "added to the bundle after it was sealed (not in CodeResources)"},
	} {
		if len(k.list) > 0 {
			c.flag(fmt.Sprintf("%d file(s) %s: %s", len(k.list), k.what, names(k.list)))
		}
	}
}

func names(l []string) string {
	if len(l) > 10 {
		return strings.Join(l[:10], ", ") + fmt.Sprintf(", … (%d more)", len(l)-10)
	}
	return strings.Join(l, ", ")
}
