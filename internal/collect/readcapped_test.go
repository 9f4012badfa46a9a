package collect

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// growing is a file whose Stat claims fewer bytes than it holds, as a file
// being written while read does.
type growing struct{ fstest.MapFS }

func (g growing) Open(name string) (fs.File, error) {
	f, err := g.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return growingFile{f}, nil
}

type growingFile struct{ fs.File }

func (g growingFile) Stat() (fs.FileInfo, error) { return smallInfo{}, nil }

type smallInfo struct{}

func (smallInfo) Name() string       { return "f" }
func (smallInfo) Size() int64        { return 1 }
func (smallInfo) Mode() fs.FileMode  { return 0o644 }
func (smallInfo) ModTime() time.Time { return time.Time{} }
func (smallInfo) IsDir() bool        { return false }
func (smallInfo) Sys() any           { return nil }

func TestReadCapped(t *testing.T) {
	files := fstest.MapFS{"small": {Data: []byte("12345")}, "big": {Data: []byte("123456")}}
	for _, tc := range []struct {
		name  string
		fsys  fs.FS
		file  string
		want  string
		error string
	}{
		{"at the limit", files, "small", "12345", ""},
		{"over the limit by its size", files, "big", "", "6 bytes, larger than the 5-byte limit"},
		{"grows past the limit while read", growing{files}, "big", "", "larger than the 5-byte limit"},
		{"missing", files, "none", "", "file does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadCapped(tc.fsys, tc.file, 5)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Errorf("error %v, want %q", err, tc.error)
				}
				return
			}
			if err != nil || string(b) != tc.want {
				t.Errorf("got %q, %v", b, err)
			}
		})
	}
}
