//go:build !linux

package collect

import "os"

// openWalkRoot opens the walk's top directory as an os.Root.
func openWalkRoot(path string) (dirFD, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return rootDir{r}, nil
}
