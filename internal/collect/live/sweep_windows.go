package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// unavailable is what the documented Windows APIs do not give a sweep
// without reading another process's memory or starting a thread in it:
// the command line (in the process's PEB: ReadProcessMemory, or WMI over
// COM), loaded modules (EnumProcessModulesEx reads the PEB loader list;
// a Toolhelp module snapshot of another process queries it from inside
// that process) and the DNS client cache (DnsGetCacheDataTable is not
// documented).
const unavailable = "command line and loaded modules (in the process's own memory); DNS client cache (DnsGetCacheDataTable is undocumented)"

// Sweep lists processes through a Toolhelp snapshot, each one's image and
// start time through a limited-information handle, and sockets through
// the IP Helper owner-pid tables.
func Sweep(ctx context.Context) Result {
	res := Result{Skipped: map[string]int64{}, Unavailable: unavailable}
	images := map[int]string{}
	if err := processes(ctx, &res, images); err != nil {
		res.Problems = append(res.Problems, Problem{Path: "process snapshot", Err: err})
	}
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := ipTable(proto)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Path: "iphlpapi " + proto, Err: err})
			continue
		}
		socks, err := decodeMIB(b, proto)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Path: "iphlpapi " + proto, Err: err})
			continue
		}
		for _, so := range socks {
			res.Connections = append(res.Connections, connArtifact(so.socket, "iphlpapi "+proto, so.PID, images))
		}
	}
	return res
}

func processes(ctx context.Context, res *Result, images map[int]string) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if ctx.Err() != nil {
			return nil
		}
		p := &snapshot.Process{PID: int(e.ProcessID), PPID: int(e.ParentProcessID),
			Name: windows.UTF16ToString(e.ExeFile[:])}
		if p.PID != 0 {
			if denied := details(p); denied {
				res.Skipped[SkipDenied]++ // listed, without image or times
			}
		}
		if p.Image != "" {
			images[p.PID] = p.Image
		}
		res.Processes = append(res.Processes, snapshot.Artifact{Kind: snapshot.ArtifactProcess,
			Source: "toolhelp pid " + strconv.Itoa(p.PID), User: p.User, FirstSeen: p.Start, Process: p})
	}
	if errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil
	}
	return err
}

// details fills the image, start time and user through a handle that
// only queries (PROCESS_QUERY_LIMITED_INFORMATION: no memory access).
// It reports whether the process could not be opened.
func details(p *snapshot.Process) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.PID))
	if err != nil {
		return true
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) == nil {
		p.Image = windows.UTF16ToString(buf[:n])
	}
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) == nil && created.Nanoseconds() > 0 {
		t := time.Unix(0, created.Nanoseconds()).UTC()
		p.Start = &t
	}
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) == nil {
		defer tok.Close()
		if tu, err := tok.GetTokenUser(); err == nil {
			// The SID, not a name: LookupAccountSid may ask a domain
			// controller, and a sweep sends nothing over the network.
			p.User = tu.User.Sid.String()
		}
	}
	return false
}

var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetExtendedTcpTable = iphlpapi.NewProc("GetExtendedTcpTable")
	procGetExtendedUdpTable = iphlpapi.NewProc("GetExtendedUdpTable")
)

// Table classes and address families of the IP Helper calls.
const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL
	udpTableOwnerPID    = 1 // UDP_TABLE_OWNER_PID
	afInet              = 2
	afInet6             = 23
	maxTableBytes       = 64 << 20
)

// ipTable fetches one owner-pid table, growing the buffer as the call
// asks (the table may grow between calls).
func ipTable(proto string) ([]byte, error) {
	call, class, af := procGetExtendedTcpTable, uintptr(tcpTableOwnerPIDAll), uintptr(afInet)
	if proto == "udp" || proto == "udp6" {
		call, class = procGetExtendedUdpTable, udpTableOwnerPID
	}
	if proto == "tcp6" || proto == "udp6" {
		af = afInet6
	}
	size := uint32(16 << 10)
	for range 8 {
		buf := make([]byte, size)
		r, _, _ := call.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0, af, class, 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:min(int(size), len(buf))], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			if size > maxTableBytes {
				return nil, fmt.Errorf("table of %d bytes", size)
			}
			size += 4 << 10
			continue
		default:
			return nil, windows.Errno(r)
		}
	}
	return nil, errors.New("table kept growing")
}
