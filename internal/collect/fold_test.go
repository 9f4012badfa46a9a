package collect

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestFindFold(t *testing.T) {
	fsys := fstest.MapFS{
		"WINDOWS/system32/config/SOFTWARE": {Data: []byte("x")},
		"WINDOWS/system32/CatRoot/a.cat":   {Data: []byte("y")},
	}
	for _, tc := range []struct{ name, want string }{
		{"WINDOWS/system32/config/SOFTWARE", "WINDOWS/system32/config/SOFTWARE"},
		{"Windows/System32/config/software", "WINDOWS/system32/config/SOFTWARE"},
		{"Windows/System32/CatRoot", "WINDOWS/system32/CatRoot"},
		{"Windows/System32/drivers", ""},
	} {
		got, err := FindFold(fsys, tc.name)
		if tc.want == "" {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %q, %v; want not found", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
