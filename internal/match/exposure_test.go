package match

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestFileExposureUsesBirthTime: a file's exposure starts at its birth
// when the filesystem kept one, whether that is before its mtime (created,
// then written) or after it (copied in with an older mtime).
func TestFileExposureUsesBirthTime(t *testing.T) {
	mtime := time.Date(2023, 3, 7, 9, 30, 0, 0, time.UTC)
	before, after := mtime.Add(-time.Hour), mtime.Add(48*time.Hour)
	for _, tc := range []struct {
		name  string
		btime time.Time
		want  time.Time
		by    string
	}{
		{"no birth time", time.Time{}, mtime, "file modified"},
		{"born before written", before, before, "file created"},
		{"born with its mtime", mtime, mtime, "file created"},
		{"copied in with an older mtime", after, after, "file created (after its mtime: copied in)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := snapshot.File{Path: `C:\Users\a\AppData\Local\Programs\3CXDesktopApp\app\ffmpeg.dll`,
				ModTime: mtime, BirthTime: tc.btime}
			fd, ok := contextSet(t).FileFinding("h", &f, at)
			if !ok {
				t.Fatal("no finding")
			}
			if !fd.ExposedSince.Equal(tc.want) || fd.ExposedBy != tc.by {
				t.Errorf("exposed since %v by %q, want %v by %q", fd.ExposedSince, fd.ExposedBy, tc.want, tc.by)
			}
		})
	}
}
