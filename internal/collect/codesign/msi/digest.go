package msi

import (
	"crypto"
	"fmt"
	"hash"
	"io"
	"sort"
)

// Root-level streams that hold the signature and are left out of the digest.
const (
	streamSignature   = "\x05DigitalSignature"
	streamSignatureEx = "\x05MsiDigitalSignatureEx"
)

// maxDepth bounds storage nesting followed while hashing.
const maxDepth = 16

// digest computes the MSI Authenticode digest: the content of every stream,
// storages recursed into, entries of each storage in the order of their
// UTF-16LE names (a longer name first when one is a prefix of the other),
// each storage closed by its CLSID. With ex, the digest starts with the
// MsiDigitalSignatureEx pre-hash of the directory metadata, returned too.
func (d *doc) digest(h crypto.Hash, ex bool) (imprint, prehash []byte, err error) {
	w := h.New()
	if ex {
		p := h.New()
		if err := d.prehashDir(p, &d.entries[0], 0); err != nil {
			return nil, nil, err
		}
		prehash = p.Sum(nil)
		w.Write(prehash)
	}
	if err := d.hashDir(w, &d.entries[0], 0); err != nil {
		return nil, nil, err
	}
	return w.Sum(nil), prehash, nil
}

// sortedChildren lists a storage's entries in digest order, without the
// signature streams of the root.
func (d *doc) sortedChildren(e *entry, depth int) ([]*entry, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("storages nested deeper than %d", maxDepth)
	}
	all, err := d.children(e)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if n := name(c); depth == 0 && (n == streamSignature || n == streamSignatureEx) {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return nameLess(out[i].raw[:], out[j].raw[:]) })
	return out, nil
}

// nameLess compares raw UTF-16LE names byte by byte.
func nameLess(a, b []byte) bool {
	la, lb := nameLen(a), nameLen(b)
	for k := 0; k < min(la, lb); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return la > lb
}

// nameLen is the byte length of a raw entry's name without its NUL.
func nameLen(raw []byte) int {
	n := int(raw[64]) | int(raw[65])<<8
	return min(max(n-2, 0), 62)
}

func (d *doc) hashDir(w hash.Hash, dir *entry, depth int) error {
	kids, err := d.sortedChildren(dir, depth)
	if err != nil {
		return err
	}
	for _, c := range kids {
		switch c.typ {
		case typeStream:
			if err := d.copyStream(w, c); err != nil {
				return err
			}
		case typeStorage:
			if err := d.hashDir(w, c, depth+1); err != nil {
				return err
			}
		}
	}
	w.Write(dir.raw[80:96]) // CLSID
	return nil
}

func (d *doc) prehashDir(w io.Writer, dir *entry, depth int) error {
	kids, err := d.sortedChildren(dir, depth)
	if err != nil {
		return err
	}
	prehashEntry(w, dir)
	for _, c := range kids {
		switch c.typ {
		case typeStream:
			prehashEntry(w, c)
		case typeStorage:
			if err := d.prehashDir(w, c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// prehashEntry writes the metadata MsiDigitalSignatureEx covers: the name
// (not for the root), the CLSID (storages), the 32-bit size (streams), the
// state bits, and the creation and modification times (not for the root).
func prehashEntry(w io.Writer, e *entry) {
	r := e.raw[:]
	if e.typ != typeRoot {
		w.Write(r[:nameLen(r)])
	}
	if e.typ == typeRoot || e.typ == typeStorage {
		w.Write(r[80:96])
	}
	if e.typ == typeStream {
		w.Write(r[120:124])
	}
	w.Write(r[96:100])
	if e.typ != typeRoot {
		w.Write(r[100:116])
	}
}
