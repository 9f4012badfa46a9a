package windows

import (
	"encoding/binary"
	"fmt"
	"strings"

	"www.velocidex.com/golang/regparser"
)

// rawValue is a value record whose data is decoded on demand.
type rawValue struct {
	name   string
	vk     *regparser.CM_KEY_VALUE
	start  int64 // file offset of the record
	typ    uint32
	length uint32 // the raw DataLength field
}

// values reads the key's value list once.
func (k *key) values() (map[string]rawValue, error) {
	if k.vals != nil {
		return k.vals, nil
	}
	k.vals = map[string]rawValue{}
	list := k.nk.ValueList()
	n := int64(list.Count())
	if n == 0 {
		return k.vals, nil
	}
	if n > maxValues {
		return k.vals, fmt.Errorf("key %s: %d values, over the cap of %d", k.path, n, maxValues)
	}
	start, size, err := k.h.cell(list.List())
	if err != nil {
		return k.vals, fmt.Errorf("key %s: value list: %w", k.path, err)
	}
	if n*4 > size {
		return k.vals, fmt.Errorf("key %s: value list at %#x: %d entries overflow its cell", k.path, start, n)
	}
	for i := int64(0); i < n; i++ {
		v, err := k.h.valueAt(k.h.u32(start + 4*i))
		if err != nil {
			return k.vals, fmt.Errorf("key %s: value %d: %w", k.path, i, err)
		}
		lc := strings.ToLower(v.name)
		if _, dup := k.vals[lc]; !dup {
			k.names = append(k.names, v.name)
		}
		k.vals[lc] = v
	}
	return k.vals, nil
}

// valueAt reads the value record in the cell at off.
func (h *hive) valueAt(off uint32) (rawValue, error) {
	start, size, err := h.cell(off)
	if err != nil {
		return rawValue{}, err
	}
	vk := h.prof.CM_KEY_VALUE(h.r, start)
	if size < vkFixed || vk.Signature() != sigVK {
		return rawValue{}, fmt.Errorf("cell at %#x is not a value record", start)
	}
	nl := int64(vk.NameLength())
	if nl > maxValueName {
		return rawValue{}, fmt.Errorf("value at %#x: name of %d bytes, longer than Windows allows", start, nl)
	}
	if vkFixed+nl > size {
		return rawValue{}, fmt.Errorf("value at %#x: name of %d bytes overflows its cell", start, nl)
	}
	if err := h.spend(int(nl)); err != nil {
		return rawValue{}, err
	}
	return rawValue{
		name:   decodeName(vk.ValueName(), vk.Flags()&1 != 0),
		vk:     vk,
		start:  start,
		typ:    vk.Type(),
		length: vk.DataLength(),
	}, nil
}

// valueData returns the value's bytes: stored in the record itself (at most 4
// bytes), in one data cell, or in big-data segments.
func (h *hive) valueData(v rawValue) ([]byte, error) { return h.valueDataUpTo(v, maxValueData) }

// valueDataUpTo is valueData with its own cap on the data's size.
func (h *hive) valueDataUpTo(v rawValue, limit int64) ([]byte, error) {
	n := int64(v.length)
	if n&0x80000000 != 0 {
		n &^= 0x80000000
		if n > 4 {
			return nil, fmt.Errorf("value %q at %#x: resident data of %d bytes", v.name, v.start, n)
		}
		off := v.start + h.prof.Off_CM_KEY_VALUE_Data
		return h.data[off : off+n], nil
	}
	if n == 0 {
		return nil, nil
	}
	if n > limit {
		return nil, fmt.Errorf("value %q at %#x: %d bytes of data, over the cap of %d", v.name, v.start, n, limit)
	}
	if err := h.spend(int(n)); err != nil {
		return nil, err
	}
	start, size, err := h.cell(v.vk.Data())
	if err != nil {
		return nil, fmt.Errorf("value %q: data: %w", v.name, err)
	}
	if n > bigSegment && size >= 8 && h.u16(start) == sigDB {
		return h.bigData(v, start, n)
	}
	if n > size {
		return nil, fmt.Errorf("value %q: %d bytes of data overflow the cell at %#x", v.name, n, start)
	}
	return h.data[start : start+n], nil
}

// bigData gathers a value stored as a list of segments (a "db" record).
func (h *hive) bigData(v rawValue, start, n int64) ([]byte, error) {
	db := h.prof.CM_BIG_DATA(h.r, start)
	count := int64(db.Count())
	lstart, lsize, err := h.cell(db.List())
	if err != nil {
		return nil, fmt.Errorf("value %q: segment list: %w", v.name, err)
	}
	if count*4 > lsize {
		return nil, fmt.Errorf("value %q: segment list at %#x: %d entries overflow its cell", v.name, lstart, count)
	}
	out := make([]byte, 0, n)
	for i := int64(0); i < count && int64(len(out)) < n; i++ {
		sstart, ssize, err := h.cell(h.u32(lstart + 4*i))
		if err != nil {
			return nil, fmt.Errorf("value %q: segment %d: %w", v.name, i, err)
		}
		take := min(ssize, bigSegment, n-int64(len(out)))
		out = append(out, h.data[sstart:sstart+take]...)
	}
	if int64(len(out)) < n {
		return nil, fmt.Errorf("value %q: segments hold %d of %d bytes", v.name, len(out), n)
	}
	return out, nil
}

// stringValue returns a REG_SZ or REG_EXPAND_SZ value, without its NUL.
// A value that cannot be decoded counts as absent; the problem is kept in
// k.errs.
func (k *key) stringValue(name string) (string, bool) {
	v, b, ok := k.raw(name)
	if !ok || (v.typ != regparser.REG_SZ && v.typ != regparser.REG_EXPAND_SZ) {
		return "", false
	}
	return decodeUTF16(b), true
}

// intValue returns a REG_DWORD, REG_DWORD_BIG_ENDIAN or REG_QWORD value.
func (k *key) intValue(name string) (uint64, bool) {
	v, b, ok := k.raw(name)
	switch {
	case !ok:
		return 0, false
	case v.typ == regparser.REG_DWORD && len(b) == 4:
		return uint64(binary.LittleEndian.Uint32(b)), true
	case v.typ == regparser.REG_DWORD_BIG_ENDIAN && len(b) == 4:
		return uint64(binary.BigEndian.Uint32(b)), true
	case v.typ == regparser.REG_QWORD && len(b) == 8:
		return binary.LittleEndian.Uint64(b), true
	}
	return 0, false
}

func (k *key) raw(name string) (rawValue, []byte, bool) {
	vals, err := k.values()
	if err != nil {
		k.note(err)
	}
	v, ok := vals[strings.ToLower(name)]
	if !ok {
		return rawValue{}, nil, false
	}
	b, err := k.h.valueData(v)
	if err != nil {
		k.note(fmt.Errorf("key %s: %w", k.path, err))
		return rawValue{}, nil, false
	}
	return v, b, true
}

// note keeps an error once (values() reports the same list error each time).
func (k *key) note(err error) {
	for _, e := range k.errs {
		if e.Error() == err.Error() {
			return
		}
	}
	k.errs = append(k.errs, err)
}
