package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// ErrTooLarge marks an upload refused while it was read because it, or
// one value in it, is larger than its limit.
var ErrTooLarge = errors.New("too large")

// DecodeLimits bound an upload while it is read.
type DecodeLimits struct {
	Limits
	// MaxBytes caps the upload's JSON as decoded (after decompression).
	MaxBytes int64
	// MaxValue caps one record, or one value of the upload's header, in
	// bytes of JSON (0: DefaultMaxValue). Nothing larger is buffered.
	MaxValue int64
	// Charge is called with the memory each decoded record is estimated
	// to keep; an error stops decoding and is returned as is. Nil: no
	// accounting.
	Charge func(n int64) error
}

// DefaultMaxValue fits the largest legitimate record (a file with its
// version resources and a few signatures with their chains) many times.
const DefaultMaxValue = 4 << 20

// DecodeUpload reads one upload (a full snapshot or a delta) as a stream:
// the lists are read record by record, each checked and charged as it
// arrives, so memory follows what is accepted, not what a compressed body
// inflates to, and a bad record stops the upload at once. Records are
// checked as ValidateSnapshot checks them; the snapshot's header is left
// to ValidateSnapshot. Only white space may follow the upload, up to the
// end of r, so a reader that verifies a trailer (gzip) is read through.
func DecodeUpload(r io.Reader, lim DecodeLimits) (*Upload, error) {
	if lim.MaxValue <= 0 {
		lim.MaxValue = DefaultMaxValue
	}
	m := &meter{r: r, max: lim.MaxBytes, value: lim.MaxValue}
	d := &decoder{lim: lim, m: m, dec: json.NewDecoder(m)}
	up := new(Upload)
	null, err := d.object("upload", func(key string) error {
		switch key {
		case "upload_id":
			return d.decode("upload_id", &up.UploadID)
		case "snapshot":
			s := new(snapshot.Snapshot)
			null, err := d.snapshot("snapshot", s)
			if !null {
				up.Snapshot = s
			}
			return err
		case "delta":
			up.Delta = new(Delta)
			return d.delta(up.Delta)
		}
		return d.unknown("upload", key, "upload_id", "snapshot", "delta")
	})
	if err == nil && null {
		err = errors.New("upload: the body is null")
	}
	if err != nil {
		return nil, err
	}
	m.mark()
	switch _, err := d.dec.Token(); {
	case err == nil:
		return nil, errors.New("upload: a second JSON value follows the first")
	case err != io.EOF:
		return nil, d.fail("upload", err)
	}
	return up, nil
}

// meter counts what the JSON decoder reads: all of it against MaxBytes,
// and since the last mark against MaxValue. It hands the decoder at most
// 32 KiB a read, so what the decoder buffers ahead of the value it scans
// stays small. Its failure is sticky.
type meter struct {
	r          io.Reader
	n, at      int64
	max, value int64
	err        error
}

func (m *meter) mark() { m.at = m.n }

func (m *meter) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	n, err := m.r.Read(p[:min(len(p), 32<<10)])
	m.n += int64(n)
	switch {
	case m.max > 0 && m.n > m.max:
		m.err = fmt.Errorf("%w: the upload is larger than %d bytes once decompressed", ErrTooLarge, m.max)
	case m.n-m.at > m.value:
		m.err = fmt.Errorf("%w: a value is larger than %d bytes", ErrTooLarge, m.value)
	}
	if m.err != nil {
		return n, m.err
	}
	return n, err
}

type decoder struct {
	lim DecodeLimits
	m   *meter
	dec *json.Decoder
}

// fail names where decoding stopped; a limit or a charge refusal is
// returned as is, wrapped.
func (d *decoder) fail(at string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: %w", at, err)
}

func (d *decoder) token(at string) (json.Token, error) {
	d.m.mark()
	t, err := d.dec.Token()
	if err != nil {
		return nil, d.fail(at, err)
	}
	return t, nil
}

func (d *decoder) decode(at string, v any) error {
	d.m.mark()
	if err := d.dec.Decode(v); err != nil {
		return d.fail(at, err)
	}
	return nil
}

func (d *decoder) more() bool {
	d.m.mark()
	return d.dec.More()
}

// unknown handles a key of object at that is none of known: a newer
// agent's additive field is skipped, but a known key in other letter case
// ("Files") is refused. encoding/json would take it for the known one,
// so skipping it would let an upload mean two things.
func (d *decoder) unknown(at, key string, known ...string) error {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Errorf("%s: the key %q is not %q: keys are case-sensitive", at, truncate(key, 40), k)
		}
	}
	return d.skip(at + "." + truncate(key, 40))
}

// skip reads a value this server does not know (a newer agent's
// additive field) without keeping it.
func (d *decoder) skip(at string) error {
	var v json.RawMessage
	return d.decode(at, &v)
}

// object reads {"key": value, …}, calling fn to read each value; null
// is reported as such. A key given twice is refused.
func (d *decoder) object(at string, fn func(key string) error) (null bool, err error) {
	t, err := d.token(at)
	if err != nil || t == nil {
		return t == nil && err == nil, err
	}
	if t != json.Delim('{') {
		return false, fmt.Errorf("%s: want an object", at)
	}
	seen := map[string]bool{}
	for d.more() {
		t, err := d.token(at)
		if err != nil {
			return false, err
		}
		key, _ := t.(string)
		if seen[key] {
			return false, fmt.Errorf("%s: the key %q is given twice", at, truncate(key, 40))
		}
		seen[key] = true
		if err := fn(key); err != nil {
			return false, err
		}
	}
	_, err = d.token(at) // '}': the decoder checks the syntax
	return false, err
}

// array reads [value, …] of at most max values, calling fn for each.
func (d *decoder) array(at string, max int, fn func(i int) error) error {
	t, err := d.token(at)
	if err != nil || t == nil {
		return err
	}
	if t != json.Delim('[') {
		return fmt.Errorf("%s: want an array", at)
	}
	i := 0
	for ; d.more(); i++ {
		if i >= max {
			return fieldErr(at, "more than %d entries", max)
		}
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err = d.token(at)
	return err
}

// record decodes one list entry into v, checks it, and charges its cost.
func (d *decoder) record(at string, v any, size int64, check func() error) error {
	start := d.dec.InputOffset()
	if err := d.decode(at, v); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	if d.lim.Charge == nil {
		return nil
	}
	// Twice the struct (the list's spare capacity) and the JSON text
	// (strings keep their bytes; maps and pointers cost about as much
	// again as their keys).
	return d.lim.Charge(2*size + 2*(d.dec.InputOffset()-start))
}

func (d *decoder) snapshot(at string, s *snapshot.Snapshot) (bool, error) {
	lim := d.lim.Limits
	return d.object(at, func(key string) error {
		switch key {
		case "schema":
			return d.decode(at+".schema", &s.Schema)
		case "id":
			return d.decode(at+".id", &s.ID)
		case "host":
			return d.decode(at+".host", &s.Host)
		case "stats":
			return d.decode(at+".stats", &s.Stats)
		case "skipped":
			return d.decode(at+".skipped", &s.Skipped)
		case "roots":
			return d.array(at+".roots", maxRoots, func(i int) error {
				s.Roots = append(s.Roots, "")
				return d.record(at+".roots", &s.Roots[i], 16, func() error { return nil })
			})
		case "software":
			return d.array(at+".software", lim.Software, func(i int) error {
				s.Software = append(s.Software, snapshot.Software{})
				r := &s.Software[i]
				return d.record(at+".software", r, int64(unsafe.Sizeof(*r)), func() error { return validSoftware(i, r, lim) })
			})
		case "files":
			return d.array(at+".files", lim.Files, func(i int) error {
				s.Files = append(s.Files, snapshot.File{})
				r := &s.Files[i]
				return d.record(at+".files", r, int64(unsafe.Sizeof(*r)), func() error { return validFile(i, r, lim) })
			})
		case "artifacts":
			return d.array(at+".artifacts", lim.Artifacts, func(i int) error {
				s.Artifacts = append(s.Artifacts, snapshot.Artifact{})
				r := &s.Artifacts[i]
				return d.record(at+".artifacts", r, int64(unsafe.Sizeof(*r)), func() error { return validArtifact(i, r, lim) })
			})
		case "errors":
			return d.array(at+".errors", lim.Errors, func(i int) error {
				s.Errors = append(s.Errors, snapshot.PathError{})
				r := &s.Errors[i]
				return d.record(at+".errors", r, int64(unsafe.Sizeof(*r)), func() error { return validPathError(i, r, lim) })
			})
		}
		return d.unknown(at, key, "schema", "id", "host", "stats", "skipped", "roots", "software", "files", "artifacts", "errors")
	})
}

func (d *decoder) delta(dl *Delta) error {
	null, err := d.object("delta", func(key string) error {
		switch key {
		case "base":
			return d.decode("delta.base", &dl.Base)
		case "digest":
			return d.decode("delta.digest", &dl.Digest)
		case "snapshot":
			_, err := d.snapshot("delta.snapshot", &dl.Snapshot)
			return err
		case "remove":
			_, err := d.object("delta.remove", func(key string) error {
				list, max := map[string]*[]Key{"software": &dl.Remove.Software, "files": &dl.Remove.Files,
					"artifacts": &dl.Remove.Artifacts}[key], map[string]int{"software": d.lim.Software,
					"files": d.lim.Files, "artifacts": d.lim.Artifacts}[key]
				if list == nil {
					return d.unknown("delta.remove", key, "software", "files", "artifacts")
				}
				return d.array("delta.remove."+key, max, func(i int) error {
					*list = append(*list, Key{})
					return d.record("delta.remove."+key, &(*list)[i], 16, func() error { return nil })
				})
			})
			return err
		}
		return d.unknown("delta", key, "base", "digest", "snapshot", "remove")
	})
	if err == nil && null {
		err = errors.New("delta: null")
	}
	return err
}
