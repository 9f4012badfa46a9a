package netart

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Bounds for hosts files. Ad-blocking hosts files reach a few hundred
// thousand lines; anything beyond these caps is cut and reported.
const (
	maxHostsBytes   = 32 << 20
	maxHostsEntries = 500_000
	maxHostsLine    = 64 << 10
)

// Hosts reads the static host tables: etc/hosts (Linux, macOS),
// private/etc/hosts (macOS images, where /etc is a link) and
// Windows/System32/drivers/etc/hosts (any letter case). Every mapping except
// the standard loopback ones becomes a hosts-entry artifact.
type Hosts struct{}

// NewHosts returns the hosts-file collector.
func NewHosts() *Hosts { return &Hosts{} }

// Name implements collect.PathCollector.
func (*Hosts) Name() string { return "hosts" }

// WantsPath implements collect.PathCollector. The paths are only looked for
// at the root of the source, whatever its operating system.
func (*Hosts) WantsPath(_ *collect.Env, rel string) bool {
	switch {
	case rel == "etc/hosts", rel == "private/etc/hosts":
		return true
	case len(rel) == len("Windows/System32/drivers/etc/hosts"):
		return strings.EqualFold(rel, "Windows/System32/drivers/etc/hosts")
	}
	return false
}

// CollectPath implements collect.PathCollector.
func (h *Hosts) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	f, err := env.FS.Open(rel)
	if err != nil {
		return fmt.Errorf("hosts %s: %w", rel, err)
	}
	defer f.Close()
	src := env.Display(rel)
	entries, err := parseHosts(ctx, io.LimitReader(f, maxHostsBytes), maxHostsEntries)
	if err == nil && moreData(f) {
		err = errHostsTooBig
	}
	for _, e := range entries {
		sink.AddArtifact(snapshot.Artifact{
			Kind: snapshot.ArtifactHostsEntry, Domain: e.Domain, IP: e.IP, Source: src,
		})
	}
	if err != nil {
		return fmt.Errorf("hosts %s: %w", rel, err)
	}
	return nil
}

// hostsEntry is one name→address mapping of a hosts file.
type hostsEntry struct {
	Domain string
	IP     string
	Line   int
}

var (
	errHostsTooBig     = fmt.Errorf("file larger than %d bytes; the rest was not read", maxHostsBytes)
	errHostsLineTooBig = fmt.Errorf("line longer than %d bytes", maxHostsLine)
)

// parseHosts reads hosts-file lines: an address, then one or more names,
// with '#' starting a comment. Lines whose address does not parse are not
// mappings and are ignored, as the resolver ignores them. It returns the
// entries read so far together with an error when a cap (a line longer than
// maxHostsLine, more than maxEntries mappings) cuts the file.
func parseHosts(ctx context.Context, r io.Reader, maxEntries int) ([]hostsEntry, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []hostsEntry
	for lineNo := 1; ; lineNo++ {
		if lineNo%4096 == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		line, err := readLine(br)
		if errors.Is(err, errHostsLineTooBig) {
			return out, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // Notepad's UTF-8 BOM
		}
		if len(line) > 0 {
			out = appendHostsLine(out, line, lineNo)
			if len(out) > maxEntries {
				return out[:maxEntries], fmt.Errorf("more than %d entries; the rest were not read", maxEntries)
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
}

// moreData reports whether r has at least one more byte.
func moreData(r io.Reader) bool {
	n, _ := io.ReadFull(r, make([]byte, 1))
	return n == 1
}

// readLine returns the next line without its end-of-line bytes, or
// errHostsLineTooBig when it does not fit the cap.
func readLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		chunk, err := br.ReadSlice('\n')
		if sb.Len()+len(chunk) > maxHostsLine {
			return "", errHostsLineTooBig
		}
		sb.Write(chunk)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return strings.TrimRight(sb.String(), "\r\n"), err
	}
}

func appendHostsLine(out []hostsEntry, line string, lineNo int) []hostsEntry {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return out
	}
	addr, err := netip.ParseAddr(fields[0])
	if err != nil {
		return out
	}
	for _, name := range fields[1:] {
		name = strings.TrimRight(strings.ToLower(name), ".")
		if name == "" || isStandardHostsLine(addr, name) {
			continue
		}
		out = append(out, hostsEntry{Domain: name, IP: addr.String(), Line: lineNo})
	}
	return out
}

// standardNames are the names operating systems put in a fresh hosts file.
var standardNames = map[string]bool{
	"localhost": true, "localhost.localdomain": true,
	"localhost4": true, "localhost4.localdomain4": true,
	"localhost6": true, "localhost6.localdomain6": true,
	"ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true,
	"ip6-mcastprefix": true, "ip6-allnodes": true, "ip6-allrouters": true,
	"ip6-allhosts": true, "broadcasthost": true,
}

// isStandardHostsLine reports the stock localhost mappings that every
// installation carries. The rule: the name is one of standardNames AND the
// address is one such lines use (loopback, link-local, multicast, the
// fe00::/ff00:: prefixes of ip6-localnet/ip6-mcastprefix, or the limited
// broadcast 255.255.255.255). A standard name pointed anywhere else is kept:
// redirecting localhost is itself suspicious.
func isStandardHostsLine(addr netip.Addr, name string) bool {
	if !standardNames[name] {
		return false
	}
	a := addr.Unmap()
	switch {
	case a.IsLoopback(), a.IsLinkLocalUnicast(), a.IsMulticast(), a.IsUnspecified():
		return true
	case a == netip.MustParseAddr("255.255.255.255"):
		return true
	case a == netip.MustParseAddr("fe00::"), a == netip.MustParseAddr("ff00::"):
		return true
	}
	return false
}

var _ collect.PathCollector = (*Hosts)(nil)
