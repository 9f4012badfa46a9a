package sbom

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

var now = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSnapshots(t *testing.T) {
	tests := []struct {
		file            string
		opt             Options
		host, name      string
		at              time.Time
		software, files int
		check           func(t *testing.T, s *snapshot.Snapshot)
	}{
		{"cyclonedx.json", Options{}, "sbom:build-image@2023.03", "build-image@2023.03", time.Date(2023, 3, 30, 10, 0, 0, 0, time.UTC), 3, 1,
			func(t *testing.T, s *snapshot.Snapshot) {
				if sw := s.Software[0]; sw.Ecosystem != "dpkg" || sw.Vendor != "Debian" || sw.Identifier == "" {
					t.Errorf("deb component: %+v", sw)
				}
				if s.Software[2].Name != "flatmap-stream" || s.Software[2].Ecosystem != "npm" {
					t.Errorf("nested component: %+v", s.Software[2])
				}
				if f := s.Files[0]; f.SHA256 != "5448850cdc3a7ae41ff53b433c2adbd0ff492515012412ee63a40d2685db3049" || f.SHA1 != "" {
					t.Errorf("file digests: %+v", f)
				}
			}},
		{"cyclonedx.xml", Options{HostID: "desk-7", HostName: "desk 7"}, "desk-7", "desk 7", time.Date(2023, 3, 29, 9, 0, 0, 0, time.UTC), 1, 0,
			func(t *testing.T, s *snapshot.Snapshot) {
				if sw := s.Software[0]; sw.Name != "3CX Desktop App" || sw.Version != "18.12.416" || sw.Vendor != "3CX" {
					t.Errorf("xml component: %+v", sw)
				}
			}},
		{"spdx.json", Options{}, "sbom:release-1.4.2", "release-1.4.2", time.Date(2024, 3, 28, 12, 0, 0, 0, time.UTC), 1, 1,
			func(t *testing.T, s *snapshot.Snapshot) {
				if sw := s.Software[0]; sw.Ecosystem != "rpm" || sw.Vendor != "Tukaani" || sw.Version != "5.6.1" {
					t.Errorf("spdx package: %+v", sw)
				}
				if f := s.Files[0]; f.Path != "usr/lib64/liblzma.so.5" || f.SHA1 == "" || f.SHA256 == "" {
					t.Errorf("spdx file: %+v", f)
				}
			}},
		{"spdx.spdx", Options{}, "sbom:image-42", "image-42", time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), 1, 0, nil},
		{"inventory.json", Options{}, "image:ws42", "ws42", time.Date(2023, 4, 2, 10, 0, 0, 0, time.UTC), 1, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			out, err := Snapshots(tc.file, read(t, tc.file), Options{HostID: tc.opt.HostID, HostName: tc.opt.HostName, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 {
				t.Fatalf("%d snapshots", len(out))
			}
			s := out[0]
			if s.Schema != snapshot.Schema || s.Host.ID != tc.host || s.Host.Name != tc.name || !s.Host.CollectedAt.Equal(tc.at) {
				t.Errorf("host %+v", s.Host)
			}
			if len(s.Software) != tc.software || len(s.Files) != tc.files {
				t.Errorf("%d software, %d files", len(s.Software), len(s.Files))
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestSnapshotsRejects(t *testing.T) {
	for name, data := range map[string]string{
		"text":      "hello",
		"truncated": `{"bomFormat": "CycloneDX", "components": [`,
		"spdx junk": `{"spdxVersion": 5}`,
		"empty arr": `[]`,
	} {
		if _, err := Snapshots(name, []byte(data), Options{Now: now}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzSnapshots(f *testing.F) {
	for _, n := range []string{"cyclonedx.json", "cyclonedx.xml", "spdx.json", "spdx.spdx", "inventory.json"} {
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Snapshots("fuzz", data, Options{Now: now})
		if err == nil {
			for _, s := range out {
				if s == nil {
					t.Fatal("nil snapshot without an error")
				}
			}
		}
	})
}
