//go:build linux

package cascade

import (
	"syscall"
	"unsafe"
)

// hugePages asks the kernel to back s's array with 2 MiB pages where it
// can (transparent huge pages in "madvise" mode, the common default). The
// trace reads its big arrays (the rows, the per-node state) at random
// places, and with 4 KiB pages nearly every such read also misses the TLB.
// Call it right after make, before the array is written, so its pages are
// faulted in huge. It is only advice: any error is ignored.
func hugePages[T any](s []T) {
	var zero T
	size := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if size < 4<<20 {
		return
	}
	const huge = 2 << 20
	base := unsafe.Pointer(unsafe.SliceData(s))
	p := uintptr(base)
	start, end := (p+huge-1)&^(huge-1), (p+size)&^(huge-1)
	if end <= start {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, start-p)), end-start), syscall.MADV_HUGEPAGE)
}
