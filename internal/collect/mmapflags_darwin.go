package collect

import "golang.org/x/sys/unix"

const mmapFlags = unix.MAP_SHARED
