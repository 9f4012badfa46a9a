package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/intel/load"
)

// feedDoc is the intel document a TAXII or MISP feed accumulates: each
// poll brings only what was added since the last, so the new objects
// (STIX objects by id, MISP events by uuid) are merged into what the feed
// sent before, a newer version replacing an older, and the whole is
// imported again as one document. Its size is capped like any document.
type feedDoc struct {
	wrap  string // "objects" (a STIX bundle) or "response" (a MISP search)
	key   func(json.RawMessage) string
	index map[string]int
	items []json.RawMessage
	size  int64
	max   int64
}

func newFeedDoc(wrap string, key func(json.RawMessage) string, max int64) *feedDoc {
	return &feedDoc{wrap: wrap, key: key, index: map[string]int{}, max: max}
}

// stixKey is a STIX object's id; mispKey a MISP event's uuid.
func stixKey(o json.RawMessage) string {
	var h struct {
		ID string `json:"id"`
	}
	json.Unmarshal(o, &h)
	return h.ID
}

func mispKey(o json.RawMessage) string {
	var h struct {
		Event struct {
			UUID string `json:"uuid"`
		} `json:"Event"`
	}
	json.Unmarshal(o, &h)
	return h.Event.UUID
}

// errFeedDocFull stops a pull whose document would pass the intel cap.
var errFeedDocFull = errors.New("the feed's intel document would pass the intel size cap")

// load reads the document stored before (nil: none).
func (d *feedDoc) load(data []byte) error {
	if data == nil {
		return nil
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("stored feed document: %w", err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(w[d.wrap], &items); err != nil {
		return fmt.Errorf("stored feed document: %w", err)
	}
	return d.add(items)
}

// add merges items, a later one replacing an earlier of the same key.
func (d *feedDoc) add(items []json.RawMessage) error {
	for _, it := range items {
		k := d.key(it)
		if k == "" {
			continue
		}
		if i, ok := d.index[k]; ok {
			d.size += int64(len(it) - len(d.items[i]))
			d.items[i] = it
		} else {
			d.index[k] = len(d.items)
			d.items = append(d.items, it)
			d.size += int64(len(it)) + 1
		}
		if d.size > d.max {
			return errFeedDocFull
		}
	}
	return nil
}

// bytes renders the document: a STIX bundle or a MISP search response.
func (d *feedDoc) bytes(name string) []byte {
	var buf bytes.Buffer
	if d.wrap == "objects" {
		sum := sha256.Sum256([]byte(name))
		sum[6], sum[8] = sum[6]&0x0f|0x50, sum[8]&0x3f|0x80
		fmt.Fprintf(&buf, `{"type":"bundle","id":"bundle--%x-%x-%x-%x-%x","objects":[`, sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	} else {
		buf.WriteString(`{"response":[`)
	}
	for i, it := range d.items {
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(it)
	}
	buf.WriteString("]}\n")
	return buf.Bytes()
}

// dropUnloadable removes the items the intel loader refuses on their own,
// so one bad object from a feed does not keep the rest out. It returns
// how many it removed.
func (d *feedDoc) dropUnloadable(name string, fresh []json.RawMessage) int {
	bad := map[string]bool{}
	for _, it := range fresh {
		one := newFeedDoc(d.wrap, d.key, d.max)
		one.add([]json.RawMessage{it})
		if _, err := load.Bytes(name, one.bytes(name)); err != nil {
			bad[d.key(it)] = true
		}
	}
	if len(bad) == 0 {
		return 0
	}
	kept := d.items[:0]
	d.index, d.size = map[string]int{}, 0
	for _, it := range d.items {
		if k := d.key(it); !bad[k] {
			d.index[k] = len(kept)
			kept = append(kept, it)
			d.size += int64(len(it)) + 1
		}
	}
	d.items = kept
	return len(bad)
}

// storedDoc is the content of a stored intel document (nil: none).
func (s *Server) storedDoc(ctx context.Context, name string) ([]byte, error) {
	st, err := s.intel.current(ctx)
	if err != nil {
		return nil, err
	}
	if d := st.docByName(name); d != nil {
		return d.Content, nil
	}
	return nil, nil
}

// importFeedDoc imports a feed's merged document; when the loader refuses
// it, the new items it refuses alone are dropped (logged) and it is tried
// once more.
func (f *feeder) importFeedDoc(ctx context.Context, name, origin string, d *feedDoc, fresh []json.RawMessage) error {
	r, err := f.s.ImportIntel(ctx, name, origin, d.bytes(name), "feed")
	if err != nil {
		n := d.dropUnloadable(name, fresh)
		if n == 0 {
			return err
		}
		f.s.log.Warn("intel feed: objects the loader refuses were dropped", "doc", name, "dropped", n, "err", err)
		if r, err = f.s.ImportIntel(ctx, name, origin, d.bytes(name), "feed"); err != nil {
			return err
		}
	}
	if r.Changed {
		f.s.log.Info("intel feed updated", "doc", name, "hunt", r.HuntID)
	}
	return nil
}
