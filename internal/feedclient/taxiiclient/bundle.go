package taxiiclient

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// BundleWriter streams objects into a STIX 2.1 bundle, so a long pull
// never holds the whole collection in memory.
type BundleWriter struct {
	w   *bufio.Writer
	n   int
	err error
}

// NewBundleWriter starts a bundle on w.
func NewBundleWriter(w io.Writer) *BundleWriter {
	var id [16]byte
	rand.Read(id[:])
	id[6], id[8] = id[6]&0x0f|0x40, id[8]&0x3f|0x80
	b := &BundleWriter{w: bufio.NewWriter(w)}
	_, b.err = fmt.Fprintf(b.w, `{"type":"bundle","id":"bundle--%x-%x-%x-%x-%x","objects":[`, id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
	return b
}

// Add appends objects.
func (b *BundleWriter) Add(objs []json.RawMessage) error {
	for _, o := range objs {
		if b.err != nil {
			return b.err
		}
		if b.n > 0 {
			b.w.WriteString(",")
		}
		b.w.WriteString("\n")
		_, b.err = b.w.Write(o)
		b.n++
	}
	return b.err
}

// Close ends the bundle; it does not close the underlying writer.
func (b *BundleWriter) Close() error {
	if b.err != nil {
		return b.err
	}
	b.w.WriteString("\n]}\n")
	return b.w.Flush()
}

// Count is how many objects were added.
func (b *BundleWriter) Count() int { return b.n }

// BundleObjects reads a STIX bundle's objects (each must have a type and
// an id).
func BundleObjects(data []byte) ([]json.RawMessage, error) {
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("not a STIX bundle: %w", err)
	}
	if b.Type != "bundle" {
		return nil, errors.New(`not a STIX bundle: no "type": "bundle"`)
	}
	objs, bad := wellFormed(b.Objects)
	if bad > 0 {
		return nil, fmt.Errorf("%d objects without a type or an id", bad)
	}
	return objs, nil
}

// AddAll posts objects in envelopes of at most maxBytes (the API root's
// max_content_length; 0 asks the API root) and follows each status.
func (c *Client) AddAll(ctx context.Context, rootURL, collection string, objs []json.RawMessage, maxBytes int64) ([]*taxii.Status, error) {
	if maxBytes <= 0 {
		r, err := c.APIRoot(ctx, rootURL)
		if err != nil {
			return nil, err
		}
		maxBytes = r.MaxContentLength
	}
	if maxBytes <= 0 {
		maxBytes = 10 << 20
	}
	var out []*taxii.Status
	for len(objs) > 0 {
		n, size := 0, int64(64)
		for n < len(objs) && (n == 0 || size+int64(len(objs[n]))+1 <= maxBytes) {
			size += int64(len(objs[n])) + 1
			n++
		}
		if size > maxBytes {
			return out, fmt.Errorf("taxii: an object alone is larger than the server's %d-byte limit", maxBytes)
		}
		st, err := c.AddAndWait(ctx, rootURL, collection, objs[:n], time.Second, 60)
		if st != nil {
			out = append(out, st)
		}
		if err != nil {
			return out, err
		}
		objs = objs[n:]
	}
	return out, nil
}
