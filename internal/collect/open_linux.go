package collect

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openNoAtime opens a file for reading without updating its access time
// where the kernel allows it (owner or CAP_FOWNER), so a sweep does not
// disturb the evidence it reads. O_NONBLOCK keeps a file swapped for a FIFO
// since the listing from blocking the open.
func openNoAtime(dir *os.Root, name string) (*os.File, error) {
	f, err := dir.OpenFile(name, os.O_RDONLY|syscall.O_NOATIME|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrPermission) {
		f, err = dir.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	return f, err
}
