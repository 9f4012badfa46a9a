package alert

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Syslog formats.
const (
	FormatRFC5424 = "rfc5424"
	FormatCEF     = "cef"
)

// sdID is the structured data element's id: "cascade" at the private
// enterprise number RFC 5612 reserves for documentation, until cascade
// has its own.
const sdID = "cascade@32473"

// facility is local0 (RFC 5424 §6.2.1).
const facility = 16

// maxUDP bounds a datagram: RFC 5426 asks receivers to take 2048 octets;
// longer messages are cut at a character boundary.
const maxUDP = 2048

// Syslog sends alerts as syslog messages: RFC 5424 with structured data,
// or CEF in the message part, over TCP with octet-counting framing
// (RFC 6587 §3.4.1) or over UDP (RFC 5426), one message a datagram.
type Syslog struct {
	network, addr string
	format        string
	version       string
	hostname      string
	timeout       time.Duration
	now           func() time.Time

	mu   sync.Mutex
	conn net.Conn // kept between sends over TCP
}

// NewSyslog parses "tcp://host:port" or "udp://host:port". version goes
// into CEF headers.
func NewSyslog(dest, format, version string, timeout time.Duration) (*Syslog, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return nil, fmt.Errorf("syslog destination: %w", err)
	}
	if u.Scheme != "tcp" && u.Scheme != "udp" {
		return nil, fmt.Errorf("syslog destination %q: scheme must be tcp or udp", dest)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("syslog destination %q: needs host:port", dest)
	}
	switch format {
	case "":
		format = FormatRFC5424
	case FormatRFC5424, FormatCEF:
	default:
		return nil, fmt.Errorf("syslog format %q: want rfc5424 or cef", format)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	host, _ := os.Hostname()
	return &Syslog{network: u.Scheme, addr: u.Host, format: format, version: version,
		hostname: headerField(host, 255), timeout: timeout, now: time.Now}, nil
}

// Send writes one message; a TCP connection is reused and dialed again
// once after a failed write.
func (s *Syslog) Send(ctx context.Context, a *Alert) error {
	msg := s.Message(a)
	if s.network == "udp" && len(msg) > maxUDP {
		msg = truncateUTF8(msg, maxUDP)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for try := 0; try < 2; try++ {
		if err = s.write(ctx, msg); err == nil {
			return nil
		}
		if s.conn != nil {
			s.conn.Close()
			s.conn = nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("syslog %s://%s: %w", s.network, s.addr, err)
}

func (s *Syslog) write(ctx context.Context, msg []byte) error {
	ctx, cancel := withTimeout(ctx, s.timeout)
	defer cancel()
	if s.conn == nil {
		d := net.Dialer{Timeout: s.timeout}
		c, err := d.DialContext(ctx, s.network, s.addr)
		if err != nil {
			return err
		}
		s.conn = c
	}
	dl, _ := ctx.Deadline()
	s.conn.SetWriteDeadline(dl)
	if s.network == "tcp" {
		frame := make([]byte, 0, len(msg)+8)
		frame = strconv.AppendInt(frame, int64(len(msg)), 10)
		frame = append(frame, ' ')
		frame = append(frame, msg...)
		msg = frame
	}
	_, err := s.conn.Write(msg)
	if s.network == "udp" {
		// A datagram socket is cheap; a new one per message follows the
		// destination's address changes.
		s.conn.Close()
		s.conn = nil
	}
	return err
}

// Close closes a kept connection.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		err := s.conn.Close()
		s.conn = nil
		return err
	}
	return nil
}

// Message renders one RFC 5424 message (without framing):
//
//	<PRI>1 TIMESTAMP HOSTNAME cascade PROCID finding [SD] MSG
//
// with the alert's fields as SD-PARAMs and its summary (or a CEF record)
// as MSG.
func (s *Syslog) Message(a *Alert) []byte {
	var b strings.Builder
	pri := facility*8 + severity(a.Level)
	fmt.Fprintf(&b, "<%d>1 %s %s cascade %d finding ", pri, s.now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		nilValue(s.hostname), os.Getpid())
	if s.format == FormatCEF {
		b.WriteString("- ")
		b.WriteString(CEF(a, s.version))
		return []byte(b.String())
	}
	b.WriteString("[" + sdID)
	param := func(name, v string) {
		if v == "" {
			return
		}
		b.WriteString(" " + name + `="` + sdEscape(v) + `"`)
	}
	param("finding", a.FindingID)
	param("event", a.Event)
	param("host", a.Host)
	param("hostName", a.HostName)
	param("score", strconv.Itoa(a.Score))
	param("level", a.Level)
	param("incident", a.Incident)
	param("title", a.Title)
	param("delivery", strconv.FormatInt(a.DeliveryID, 10))
	for i, r := range a.Reasons {
		if i == 8 {
			break
		}
		param("reason", r.Kind+":"+r.Indicator)
	}
	param("link", a.Link)
	b.WriteString("] ")
	b.WriteString(a.summary())
	return []byte(b.String())
}

// sdEscape escapes a PARAM-VALUE (RFC 5424 §6.3.3): '"', '\' and ']'.
func sdEscape(v string) string {
	v = oneLine(v)
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)
	return r.Replace(v)
}

// headerField keeps printable US-ASCII (RFC 5424 header fields), at most n.
func headerField(s string, n int) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c > 32 && c < 127 && b.Len() < n {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func nilValue(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// truncateUTF8 cuts b to at most n bytes, not inside a character.
func truncateUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for n > 0 && b[n]&0xC0 == 0x80 {
		n--
	}
	return b[:n]
}

// CEF renders an alert in ArcSight's Common Event Format:
//
//	CEF:0|cascade|cascade|VERSION|finding-EVENT|TITLE|SEVERITY|EXTENSIONS
//
// Header fields escape '\' and '|'; extension values escape '\', '=' and
// line breaks, as the CEF specification requires. Severity is the score
// over ten (0-10).
func CEF(a *Alert, version string) string {
	sev := a.Score / 10
	if sev > 10 {
		sev = 10
	}
	if sev < 0 {
		sev = 0
	}
	var b strings.Builder
	b.WriteString("CEF:0|cascade|cascade|")
	b.WriteString(cefHeader(version) + "|")
	b.WriteString(cefHeader("finding-"+a.Event) + "|")
	b.WriteString(cefHeader(a.Title) + "|")
	b.WriteString(strconv.Itoa(sev) + "|")
	var ext []string
	add := func(k, v string) {
		if v != "" {
			ext = append(ext, k+"="+cefValue(v))
		}
	}
	if !a.DetectedAt.IsZero() {
		add("rt", strconv.FormatInt(a.DetectedAt.UnixMilli(), 10))
	}
	add("externalId", a.FindingID)
	add("dvchost", a.HostName)
	add("deviceExternalId", a.Host)
	add("act", a.Event)
	add("cn1Label", "score")
	add("cn1", strconv.Itoa(a.Score))
	add("cs1Label", "incident")
	add("cs1", a.Incident)
	add("cs2Label", "level")
	add("cs2", a.Level)
	if len(a.Reasons) > 0 {
		var rs []string
		for _, r := range a.Reasons {
			rs = append(rs, r.Kind+":"+r.Indicator)
		}
		add("cs3Label", "reasons")
		add("cs3", strings.Join(rs, ","))
	}
	add("cs4Label", "evidence")
	add("cs4", a.Evidence)
	add("request", a.Link)
	add("msg", a.summary())
	b.WriteString(strings.Join(ext, " "))
	return b.String()
}

func cefHeader(v string) string {
	return strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\r", " ", "\n", " ").Replace(v)
}

func cefValue(v string) string {
	return strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\r\n", `\n`, "\n", `\n`, "\r", `\r`).Replace(v)
}
