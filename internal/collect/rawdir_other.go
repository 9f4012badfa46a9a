//go:build !linux

package collect

// openWalkRoot opens the walk's top directory as an os.Root.
func openWalkRoot(path string) (dirFD, error) { return openRootDir(path) }
