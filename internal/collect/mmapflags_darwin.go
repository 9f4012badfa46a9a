package collect

import "golang.org/x/sys/unix"

// Darwin has no MAP_POPULATE; the mapping is advised sequential instead.
const (
	mapPopulate = 0
	mmapFlags   = unix.MAP_SHARED
)
