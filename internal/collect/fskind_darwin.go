package collect

import "golang.org/x/sys/unix"

var fsSkipNames = map[string]string{
	"nfs": SkipNetworkFS, "smbfs": SkipNetworkFS, "afpfs": SkipNetworkFS, "webdav": SkipNetworkFS,
	"cifs": SkipNetworkFS, "macfuse": SkipNetworkFS, "osxfuse": SkipNetworkFS,
	"devfs": SkipPseudoFS, "autofs": SkipPseudoFS,
}

// fsKindSkip says whether a mounted directory is a file system the walk
// must not enter even when crossing file systems.
func fsKindSkip(parent dirFD, name string) string {
	d, err := parent.dirFile(name)
	if err != nil {
		return ""
	}
	defer d.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(d.Fd()), &st); err != nil {
		return ""
	}
	return fsSkipNames[unix.ByteSliceToString(st.Fstypename[:])]
}
