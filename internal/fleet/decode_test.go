package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestDecodeUploadRoundTrip(t *testing.T) {
	s := sample()
	s.Files[0].Meta = map[string]string{"pe.product": "X"}
	s.Errors = []snapshot.PathError{{Path: "/x", Stage: "read", Err: "denied"}}
	s.Roots = []string{"/"}
	for _, up := range []*Upload{
		{UploadID: "agent-0123456789", Snapshot: s},
		{UploadID: "agent-0123456789", Delta: MakeDelta(sample(), s, "base-1")},
	} {
		data, _ := json.Marshal(up)
		var charged int64
		got, err := DecodeUpload(bytes.NewReader(append(data, " \n"...)), DecodeLimits{Limits: DefaultLimits,
			Charge: func(n int64) error { charged += n; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		var want Upload
		json.Unmarshal(data, &want)
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("decoded %+v, want %+v", got, want)
		}
		sn := got.Snapshot
		if sn == nil {
			sn = &got.Delta.Snapshot
		}
		records, _ := json.Marshal([]any{sn.Software, sn.Files, sn.Artifacts, sn.Errors})
		if charged < int64(len(records)) {
			t.Errorf("charged %d bytes for %d of JSON", charged, len(records))
		}
	}
}

// repeat is a reader of a prefix, n copies of a part, and a suffix,
// without holding them: the bombs of the attack run, uncompressed.
func repeat(prefix, part string, n int, suffix string) io.Reader {
	parts := []io.Reader{strings.NewReader(prefix)}
	parts = append(parts, io.LimitReader(&cycle{s: part}, int64(len(part)*n)), strings.NewReader(suffix))
	return io.MultiReader(parts...)
}

type cycle struct {
	s string
	i int
}

func (c *cycle) Read(p []byte) (int, error) {
	for k := range p {
		p[k] = c.s[c.i]
		c.i = (c.i + 1) % len(c.s)
	}
	return len(p), nil
}

func TestDecodeUploadRefuses(t *testing.T) {
	const head = `{"upload_id":"agent-0123456789","snapshot":{"schema":"cascade.snapshot/v1",`
	lim := DecodeLimits{Limits: Limits{Software: 10, Files: 1000, Artifacts: 10, Errors: 10, String: 64},
		MaxBytes: 8 << 20, MaxValue: 64 << 10}
	errCharge := errors.New("budget")
	tests := []struct {
		name string
		body io.Reader
		lim  func(*DecodeLimits)
		want error  // errors.Is, or nil to match text
		text string // in the message
	}{
		{"huge string", repeat(head+`"files":[{"path":"`, "A", 1<<30, `"}]}}`), nil, ErrTooLarge, "value"},
		{"huge key", repeat(head+`"`, "k", 1<<30, `":1}}`), nil, ErrTooLarge, "value"},
		{"white space", repeat(head+`"files":[`, " ", 1<<30, `]}}`), nil, ErrTooLarge, "value"},
		{"deep array", repeat(head+`"files":[`, "[", 1<<30, ``), nil, nil, "files"},
		{"deep unknown", repeat(head+`"x":`, "[", 1<<30, ``), nil, nil, ""},
		{"many records", repeat(head+`"files":[`, `{"path":"a"},`, 1<<30, `]}}`), nil, nil, "files: more than 1000"},
		{"many small records under the count", repeat(head+`"files":[`, `{"path":"a"},`, 999, `{"path":"a"}]}}`),
			func(l *DecodeLimits) { l.Files = 1 << 30; l.MaxBytes = 4 << 10 }, ErrTooLarge, "decompressed"},
		{"charge refused", repeat(head+`"files":[`, `{"path":"a"},`, 1<<30, `]}}`),
			func(l *DecodeLimits) {
				l.Files = 1 << 30
				l.Charge = func(int64) error { return errCharge }
			}, errCharge, ""},
		{"bad record early", repeat(head+`"files":[{"path":"a\u0000"},`, `{"path":"a"},`, 1<<30, `]}}`), nil, nil, "files[0].path"},
		{"second value", strings.NewReader(`{"upload_id":"agent-0123456789"} {}`), nil, nil, "second JSON value"},
		{"trailing garbage", strings.NewReader(`{"upload_id":"agent-0123456789"}xyz`), nil, nil, "invalid character"},
		{"truncated", strings.NewReader(`{"upload_id":"agent-0123456789"`), nil, io.ErrUnexpectedEOF, ""},
		{"twice", strings.NewReader(`{"upload_id":"a","upload_id":"b"}`), nil, nil, "twice"},
		{"null", strings.NewReader(`null`), nil, nil, "null"},
		{"not an object", strings.NewReader(`[]`), nil, nil, "want an object"},
		{"files not a list", strings.NewReader(head + `"files":{}}}`), nil, nil, "want an array"},
		{"remove bomb", repeat(`{"upload_id":"a","delta":{"remove":{"files":[`, `"00000000000000000000000000000000",`, 1<<30, `]}}}`),
			nil, nil, "delta.remove.files: more than 1000"},
	}
	for _, tc := range tests {
		l := lim
		if tc.lim != nil {
			tc.lim(&l)
		}
		_, err := DecodeUpload(tc.body, l)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.text):
			t.Errorf("%s: %v, want %q in it", tc.name, err, tc.text)
		}
	}
}
