package windows

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"www.velocidex.com/golang/regparser"
)

// key is one key node of a hive.
type key struct {
	h     *hive
	nk    *regparser.CM_KEY_NODE
	path  string // backslash path from the hive root, for messages
	name  string
	vals  map[string]rawValue // lower-cased name → value; nil until read
	names []string            // the value names in the hive's list order
	errs  []error             // problems met while decoding values
}

// keyAt reads the key node in the cell at off; parent is its parent's path.
func (h *hive) keyAt(off uint32, parent string) (*key, error) {
	start, size, err := h.cell(off)
	if err != nil {
		return nil, err
	}
	nk := h.prof.CM_KEY_NODE(h.r, start)
	if size < nkFixed || nk.Signature() != sigNK {
		return nil, fmt.Errorf("cell at %#x is not a key node", start)
	}
	nl := int64(nk.NameLength())
	if nl > maxKeyName {
		return nil, fmt.Errorf("key node at %#x: name of %d bytes, longer than Windows allows", start, nl)
	}
	if nkFixed+nl > size {
		return nil, fmt.Errorf("key node at %#x: name of %d bytes overflows its cell", start, nl)
	}
	if err := h.spend(int(nl)); err != nil {
		return nil, err
	}
	name := decodeName(nk.Name(), nk.Flags()&0x20 != 0)
	p := name
	if parent != "" {
		p = parent + `\` + name
	}
	return &key{h: h, nk: nk, path: p, name: name}, nil
}

// decodeName turns a stored key or value name into a string: Latin-1 bytes
// when the record says the name is compressed, UTF-16LE otherwise.
func decodeName(raw string, compressed bool) string {
	if !compressed {
		return decodeUTF16([]byte(raw))
	}
	r := make([]rune, len(raw))
	for i := 0; i < len(raw); i++ {
		r[i] = rune(raw[i])
	}
	return string(r)
}

// decodeUTF16 decodes UTF-16LE up to the first NUL (REG_SZ data keeps its
// terminator, and writers sometimes leave garbage after it).
func decodeUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// subkeys lists the key's stable subkeys. Broken entries are skipped and
// reported in err alongside the ones that could be read.
func (k *key) subkeys() ([]*key, error) {
	count := k.nk.SubKeyCounts()[0]
	if count == 0 {
		return nil, nil
	}
	if count > maxSubkeys {
		return nil, fmt.Errorf("key %s: %d subkeys, over the cap of %d", k.path, count, maxSubkeys)
	}
	var offs []uint32
	if err := k.h.indexOffsets(k.nk.SubKeyLists()[0], true, &offs); err != nil {
		return nil, fmt.Errorf("key %s: subkey index: %w", k.path, err)
	}
	keys := make([]*key, 0, len(offs))
	var errs []error
	for _, off := range offs {
		sub, err := k.h.keyAt(off, k.path)
		if err != nil {
			if errors.Is(err, errBudget) {
				return keys, fmt.Errorf("key %s: %w", k.path, err)
			}
			errs = append(errs, fmt.Errorf("key %s: subkey: %w", k.path, err))
			continue
		}
		keys = append(keys, sub)
	}
	return keys, errors.Join(errs...)
}

// indexOffsets appends the key-node offsets an index cell lists. An index
// root (ri) may only point at leaves, which bounds the recursion.
func (h *hive) indexOffsets(off uint32, allowRoot bool, out *[]uint32) error {
	start, size, err := h.cell(off)
	if err != nil {
		return err
	}
	if size < 4 {
		return fmt.Errorf("index cell at %#x is too small", start)
	}
	idx := h.prof.CM_KEY_INDEX(h.r, start)
	sig, n := idx.Signature(), int64(idx.Count())
	elem := int64(4)
	switch {
	case sig == sigLF || sig == sigLH:
		elem = 8
	case sig == sigLI:
	case sig == sigRI && allowRoot:
	default:
		return fmt.Errorf("cell at %#x is not a subkey index (signature %#04x)", start, sig)
	}
	if 4+n*elem > size {
		return fmt.Errorf("index at %#x: %d entries overflow its cell", start, n)
	}
	if int64(len(*out))+n > maxSubkeys {
		return fmt.Errorf("index at %#x: more than %d subkeys", start, maxSubkeys)
	}
	for i := int64(0); i < n; i++ {
		child := h.u32(start + 4 + i*elem)
		if sig != sigRI {
			*out = append(*out, child)
			continue
		}
		if err := h.indexOffsets(child, false, out); err != nil {
			return fmt.Errorf("index root at %#x, entry %d: %w", start, i, err)
		}
	}
	return nil
}

// child finds the subkey named name (case-insensitively); nil when absent.
func (k *key) child(name string) (*key, error) {
	subs, err := k.subkeys()
	for _, s := range subs {
		if strings.EqualFold(s.name, name) {
			return s, nil
		}
	}
	return nil, err
}

// open follows path components below k; nil when a component is absent.
func (k *key) open(path ...string) (*key, error) {
	cur := k
	for _, comp := range path {
		next, err := cur.child(comp)
		if next == nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}
