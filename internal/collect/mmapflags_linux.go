package collect

import "golang.org/x/sys/unix"

// MAP_POPULATE maps the whole file's pages in one call instead of one
// fault per page.
const (
	mapPopulate = unix.MAP_POPULATE
	mmapFlags   = unix.MAP_SHARED | mapPopulate
)
