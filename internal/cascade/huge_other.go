//go:build !linux

package cascade

// hugePages is advice the kernels other than Linux's are not given.
func hugePages[T any](s []T) {}
