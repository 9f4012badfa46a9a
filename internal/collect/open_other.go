//go:build !linux

package collect

import "os"

// openNoAtime opens a file for reading.
func openNoAtime(dir *os.Root, name string) (*os.File, error) {
	return dir.OpenFile(name, openFlags, 0)
}
