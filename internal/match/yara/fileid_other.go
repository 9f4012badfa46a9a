//go:build !unix

package yara

// id has no inode off Unix: link loops there are cut by maxWalkDepth.
func (w *walker) id(string) (fileID, bool) { return fileID{}, false }
