package scan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/source"
)

// TestHostForPartialFacts: an image whose records name only some facts
// (one hive missing) keeps the ones that were read.
func TestHostForPartialFacts(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=debian\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := source.Open(root, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tests := []struct {
		name     string
		facts    HostFacts
		err      error
		wantName string
		wantOS   string
	}{
		{"all read", HostFacts{Name: "build-01", OSVersion: "Debian 12"}, nil, "build-01", "Debian 12"},
		{"name missing", HostFacts{OSVersion: "Debian 12"}, errors.New("no hostname"), root, "Debian 12"},
		{"nothing read", HostFacts{}, errors.New("no records"), root, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := Options{HostInfo: map[string]HostInfoFunc{
				src.OS: func(fs.FS) (HostFacts, error) { return tt.facts, tt.err },
			}}
			h := hostFor(src, opt)
			if h.Name != tt.wantName || h.OSVersion != tt.wantOS {
				t.Errorf("host %q %q, want %q %q", h.Name, h.OSVersion, tt.wantName, tt.wantOS)
			}
		})
	}
}
