package live

import (
	"context"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// unavailable is what macOS does not give a sweep without cgo: an image
// path and mapped modules (proc_pidpath, proc_regionfilename), sockets
// (proc_pidfdinfo) and command lines (KERN_PROCARGS2 is readable by
// sysctl, but only for one's own processes unless root, and it copies
// the process's argument memory: left out) all need libproc; the DNS
// client cache lives in mDNSResponder, with no API to read it.
const unavailable = "image path, modules, command line and sockets need libproc (cgo); DNS client cache: mDNSResponder has no read API"

// Sweep lists the running processes through sysctl kern.proc.all: pid,
// parent, real uid, start time and the kernel's short name.
func Sweep(ctx context.Context) Result {
	res := Result{Skipped: map[string]int64{}, Unavailable: unavailable}
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		res.Problems = append(res.Problems, Problem{Path: "sysctl kern.proc.all", Err: err})
		return res
	}
	for i := range procs {
		if ctx.Err() != nil {
			break
		}
		kp := &procs[i]
		start := time.Unix(kp.Proc.P_starttime.Sec, int64(kp.Proc.P_starttime.Usec)*1000).UTC()
		p := &snapshot.Process{PID: int(kp.Proc.P_pid), PPID: int(kp.Eproc.Ppid),
			Name: cString(kp.Proc.P_comm[:]), User: "uid " + strconv.Itoa(int(kp.Eproc.Pcred.P_ruid)), Start: &start}
		res.Processes = append(res.Processes, snapshot.Artifact{Kind: snapshot.ArtifactProcess,
			Source: "sysctl kern.proc.all", User: p.User, FirstSeen: p.Start, Process: p})
	}
	return res
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
