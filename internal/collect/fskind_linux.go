package collect

import "golang.org/x/sys/unix"

// Magic numbers of network and pseudo file systems (statfs f_type).
var fsSkip = map[int64]string{
	0x6969:     SkipNetworkFS, // NFS
	0x517B:     SkipNetworkFS, // SMB
	0xFF534D42: SkipNetworkFS, // CIFS
	0xFE534D42: SkipNetworkFS, // SMB2
	0x65735546: SkipNetworkFS, // FUSE (sshfs, rclone, cloud drives)
	0x5346414F: SkipNetworkFS, // AFS
	0x6B414653: SkipNetworkFS, // kAFS
	0x73757245: SkipNetworkFS, // CODA
	0x01021997: SkipNetworkFS, // 9P
	0x9fa0:     SkipPseudoFS,  // proc
	0x62656572: SkipPseudoFS,  // sysfs
	0x1cd1:     SkipPseudoFS,  // devpts
	0x27e0eb:   SkipPseudoFS,  // cgroup
	0x63677270: SkipPseudoFS,  // cgroup2
	0x64626720: SkipPseudoFS,  // debugfs
	0x74726163: SkipPseudoFS,  // tracefs
	0x73636673: SkipPseudoFS,  // securityfs
	0xcafe4a11: SkipPseudoFS,  // bpf
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
	return fsSkip[int64(st.Type)]
}
