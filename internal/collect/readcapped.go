package collect

import (
	"fmt"
	"io"
	"io/fs"
)

// ReadCapped reads the whole file name from fsys, refusing one larger than
// limit bytes: by its size when the file says it, or when it grows past
// the limit while read. Collectors use it for every file they parse whole,
// so a hostile image cannot make them hold an arbitrary amount of memory.
// Errors do not name the file; callers do.
func ReadCapped(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, fmt.Errorf("%d bytes, larger than the %d-byte limit; not read", st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than the %d-byte limit; not read", limit)
	}
	return b, nil
}
