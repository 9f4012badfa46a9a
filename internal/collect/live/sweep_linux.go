package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// clockTicks is USER_HZ, the unit of /proc/[pid]/stat's starttime: 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicks = 100

// pfKthread marks a kernel thread in procStat.Flags (PF_KTHREAD).
const pfKthread = 0x00200000

// unavailable is what Linux does not give a sweep.
const unavailable = "DNS client cache: Linux keeps none itself; systemd-resolved's has no stable read API without D-Bus"

// Sweep reads the running machine's processes and sockets from /proc.
func Sweep(ctx context.Context) Result { return sweepProc(ctx, "/proc") }

// procSweep is the state of one /proc sweep.
type procSweep struct {
	root   string
	boot   time.Time
	users  map[int]string
	res    Result
	owner  map[uint64]int // socket inode → pid
	images map[int]string // pid → image
	buf    []byte
}

func sweepProc(ctx context.Context, root string) Result {
	s := &procSweep{root: root, owner: map[uint64]int{}, images: map[int]string{},
		buf: make([]byte, 64<<10)}
	s.res = Result{Skipped: map[string]int64{}, Unavailable: unavailable}
	s.boot = s.bootTime()
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		s.users = parsePasswd(b)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		s.res.Problems = append(s.res.Problems, Problem{Path: root, Err: err})
		return s.res
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		s.process(pid)
	}
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		s.sockets(proto)
	}
	return s.res
}

// bootTime is the kernel's btime line in /proc/stat.
func (s *procSweep) bootTime() time.Time {
	b, err := os.ReadFile(s.root + "/stat")
	if err != nil {
		return time.Time{}
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(rest)), 10, 64); err == nil {
				return time.Unix(n, 0).UTC()
			}
		}
	}
	return time.Time{}
}

// read reads a /proc file into the sweep's buffer, up to its size; the
// result is valid until the next read.
func (s *procSweep) read(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, err := io.ReadFull(f, s.buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return s.buf[:n], err
}

// process reads one process; one that vanished or is not ours to read is
// counted, anything else is a problem, and the sweep goes on.
func (s *procSweep) process(pid int) {
	dir := s.root + "/" + strconv.Itoa(pid)
	b, err := s.read(dir + "/stat")
	if err != nil {
		s.fail(dir+"/stat", err)
		return
	}
	st, err := parseStat(b)
	if err != nil {
		s.res.Problems = append(s.res.Problems, Problem{Path: dir + "/stat", Err: err})
		return
	}
	if st.Flags&pfKthread != 0 { // no image, no user space: not a program that ran
		s.res.Skipped[SkipKernelThread]++
		return
	}
	p := &snapshot.Process{PID: pid, PPID: st.PPID, Name: st.Comm}
	if !s.boot.IsZero() {
		t := s.boot.Add(time.Duration(st.StartTick) * time.Second / clockTicks)
		p.Start = &t
	}
	if b, err := s.read(dir + "/status"); err == nil {
		if uid, ok := parseStatusUID(b); ok {
			p.User = s.userName(uid)
		}
	}
	if b, err := s.read(dir + "/cmdline"); err == nil {
		p.Cmdline = parseCmdline(b)
	}
	// exe is only read as a link: the image is hashed by its path.
	if link, err := os.Readlink(dir + "/exe"); err == nil {
		p.Image, p.ImageDeleted = strings.CutSuffix(link, " (deleted)")
		s.images[pid] = p.Image
	}
	if b, err := s.read(dir + "/maps"); err == nil {
		p.Modules = parseMaps(b, p.Image)
	}
	s.fds(dir+"/fd", pid)
	s.res.Processes = append(s.res.Processes, snapshot.Artifact{Kind: snapshot.ArtifactProcess,
		Source: dir, User: p.User, FirstSeen: p.Start, Process: p})
}

// fds notes which socket inodes the process holds.
func (s *procSweep) fds(dir string, pid int) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // another user's process: its sockets stay without an owner
	}
	for _, e := range ents {
		link, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		if ino, ok := socketInode(link); ok {
			s.owner[ino] = pid
		}
	}
}

func (s *procSweep) fail(p string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		s.res.Skipped[SkipVanished]++
	case errors.Is(err, fs.ErrPermission):
		s.res.Skipped[SkipDenied]++
	default:
		s.res.Problems = append(s.res.Problems, Problem{Path: p, Err: err})
	}
}

func (s *procSweep) userName(uid int) string {
	if n, ok := s.users[uid]; ok {
		return n
	}
	return "uid " + strconv.Itoa(uid)
}

// sockets reads one /proc/net table.
func (s *procSweep) sockets(proto string) {
	p := s.root + "/net/" + proto
	b, err := os.ReadFile(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) { // no IPv6 is no problem
			s.res.Problems = append(s.res.Problems, Problem{Path: p, Err: err})
		}
		return
	}
	socks, bad := parseNet(b, proto)
	if bad > 0 {
		s.res.Skipped["socket-unparsable"] += int64(bad)
	}
	for _, so := range socks {
		s.res.Connections = append(s.res.Connections, connArtifact(so, p, s.owner[so.Inode], s.images))
	}
}
