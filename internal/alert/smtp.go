package alert

import (
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTP mails alerts through a relay. The whole conversation has one
// deadline, so a relay that accepts the connection and then says nothing
// costs one timeout. STARTTLS is used when the relay offers it; AUTH PLAIN
// when a user is set (net/smtp refuses it without TLS except to
// localhost).
type SMTP struct {
	addr, host string
	user, pass string
	from       string
	to         []string
	timeout    time.Duration
	// TLS is the STARTTLS configuration (nil: verify the relay's name).
	TLS *tls.Config
	now func() time.Time
}

// NewSMTP parses "smtp://[user@]relay[:port]?from=a@b&to=c@d,e@f"; pass is
// the sink's secret.
func NewSMTP(dest, pass string, timeout time.Duration) (*SMTP, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return nil, fmt.Errorf("smtp destination: %w", err)
	}
	if u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("smtp destination %q: want smtp://[user@]relay[:port]?from=…&to=…", dest)
	}
	port := u.Port()
	if port == "" {
		port = "25"
	}
	q := u.Query()
	from, err := mail.ParseAddress(q.Get("from"))
	if err != nil {
		return nil, fmt.Errorf("smtp destination %q: from: %w", dest, err)
	}
	var to []string
	for _, t := range strings.Split(q.Get("to"), ",") {
		a, err := mail.ParseAddress(strings.TrimSpace(t))
		if err != nil {
			return nil, fmt.Errorf("smtp destination %q: to %q: %w", dest, t, err)
		}
		to = append(to, a.Address)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := &SMTP{addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname(), pass: pass,
		from: from.Address, to: to, timeout: timeout, now: time.Now}
	if u.User != nil {
		s.user = u.User.Username()
	}
	return s, nil
}

// Send mails one alert to every recipient.
func (s *SMTP) Send(ctx context.Context, a *Alert) error {
	ctx, cancel := withTimeout(ctx, s.timeout)
	defer cancel()
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, err)
	}
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	// The context ends the conversation too (a shutdown).
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer conn.Close()
	if err := s.converse(conn, a); err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, err)
	}
	return nil
}

func (s *SMTP) converse(conn net.Conn, a *Alert) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return err
	}
	for _, t := range s.to {
		if err := c.Rcpt(t); err != nil {
			return fmt.Errorf("rcpt %s: %w", t, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(s.message(a)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func helloName() string {
	return "cascade.invalid"
}

// message renders the mail: headers free of line breaks (the title comes
// from a scanned machine), a plain-text body with CRLF line ends.
func (s *SMTP) message(a *Alert) []byte {
	var b strings.Builder
	hdr := func(k, v string) { b.WriteString(k + ": " + oneLine(v) + "\r\n") }
	hdr("From", s.from)
	hdr("To", strings.Join(s.to, ", "))
	hdr("Subject", encodeWord("[cascade] "+a.summary()))
	hdr("Date", s.now().UTC().Format(time.RFC1123Z))
	hdr("Message-ID", fmt.Sprintf("<cascade-delivery-%d-%d@cascade.invalid>", a.DeliveryID, s.now().UnixNano()))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	line := func(format string, args ...any) { b.WriteString(oneLine(fmt.Sprintf(format, args...)) + "\r\n") }
	line("Finding:  %s (%s)", a.FindingID, a.Event)
	line("Host:     %s %s", a.Host, a.HostName)
	line("Title:    %s", a.Title)
	line("Score:    %d (%s)", a.Score, a.Level)
	if a.Incident != "" {
		line("Incident: %s %s", a.Incident, a.IncidentName)
	}
	if a.Evidence != "" {
		line("Evidence: %s", a.Evidence)
	}
	for _, r := range a.Reasons {
		line("Reason:   %s %s %s (%d)", r.Kind, r.Indicator, r.Detail, r.Score)
	}
	if a.Link != "" {
		line("Link:     %s", a.Link)
	}
	return []byte(b.String())
}

// encodeWord encodes a header value with non-ASCII characters (RFC 2047).
func encodeWord(v string) string {
	return mime.QEncoding.Encode("utf-8", v)
}
