package reach

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds for known_hosts files: a busy jump host's file holds a few
// thousand lines; anything beyond these caps is cut and reported.
const (
	maxKnownHostsBytes = 16 << 20
	maxKnownHosts      = 100_000 // host patterns per file
	maxLine            = 64 << 10
)

// KnownHost is one host pattern of a known_hosts line. A line naming
// several hosts ("a,b,[c]:2222") gives one per host.
type KnownHost struct {
	// Pattern is the host as written: a name, an address, "[host]:port",
	// a wildcard pattern, or a hashed "|1|salt|hash".
	Pattern string
	// Marker is "@cert-authority" or "@revoked", or "".
	Marker string
	// KeyType is the key's algorithm ("ssh-ed25519").
	KeyType string
	Line    int
}

// Hashed reports whether the pattern is a hashed host.
func (k KnownHost) Hashed() bool { return strings.HasPrefix(k.Pattern, hashMagic) }

var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLine)

// ParseKnownHosts reads an OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS
// FILE FORMAT"): optional marker, comma-separated host patterns, key type,
// base64 key, comment. Negated patterns ("!host") are left out: they name
// hosts the line does not apply to. Lines that are not host-key lines are
// counted in bad (with the first one's number) and skipped, as ssh skips
// them. err is set when a cap or the context cut the file; what was read
// before is returned with it.
func ParseKnownHosts(ctx context.Context, r io.Reader) (out []KnownHost, bad, firstBad int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for lineNo := 1; ; lineNo++ {
		if lineNo%4096 == 0 && ctx.Err() != nil {
			return out, bad, firstBad, ctx.Err()
		}
		line, rerr := readLine(br)
		if errors.Is(rerr, errLineTooLong) {
			return out, bad, firstBad, fmt.Errorf("line %d: %w", lineNo, rerr)
		}
		var ok bool
		if out, ok = appendKnownHosts(out, line, lineNo); !ok {
			if bad++; bad == 1 {
				firstBad = lineNo
			}
		}
		if len(out) > maxKnownHosts {
			return out[:maxKnownHosts], bad, firstBad, fmt.Errorf("more than %d hosts; the rest were not read", maxKnownHosts)
		}
		if rerr == io.EOF {
			return out, bad, firstBad, nil
		}
		if rerr != nil {
			return out, bad, firstBad, fmt.Errorf("line %d: %w", lineNo, rerr)
		}
	}
}

// appendKnownHosts adds the hosts of one line; ok is false for a line
// that is neither blank, a comment nor a host-key line.
func appendKnownHosts(out []KnownHost, line string, lineNo int) ([]KnownHost, bool) {
	fields := strings.Fields(line)
	if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
		return out, true
	}
	marker := ""
	if strings.HasPrefix(fields[0], "@") {
		marker = fields[0]
		if marker != "@cert-authority" && marker != "@revoked" {
			return out, false
		}
		fields = fields[1:]
	}
	if len(fields) < 3 {
		return out, false
	}
	for _, p := range strings.Split(fields[0], ",") {
		if p == "" || strings.HasPrefix(p, "!") {
			continue
		}
		out = append(out, KnownHost{Pattern: p, Marker: marker, KeyType: fields[1], Line: lineNo})
	}
	return out, true
}

// readLine returns the next line without its end-of-line bytes, or
// errLineTooLong when it does not fit the cap.
func readLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		chunk, err := br.ReadSlice('\n')
		if sb.Len()+len(chunk) > maxLine {
			return "", errLineTooLong
		}
		sb.Write(chunk)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return strings.TrimRight(sb.String(), "\r\n"), err
	}
}
