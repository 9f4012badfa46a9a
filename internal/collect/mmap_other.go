//go:build !linux && !darwin

package collect

import (
	"errors"
	"hash"
)

// hashMapped is not used here: files are read.
func hashMapped(regularFile, int64, []hash.Hash) (bool, error) { return false, nil }

// errChangedWhileMapped is never returned here: files are read.
var errChangedWhileMapped = errors.New("file shrank while it was read")
