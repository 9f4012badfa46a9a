//go:build unix

package source

import (
	"os"
	"syscall"
)

// openFlags open without blocking: a FIFO planted in an image (or a link
// to one) would otherwise hang the scan on open.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
