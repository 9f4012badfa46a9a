// Package guard is the bounded HTTP a feed client uses against a server it
// does not trust: every request has a deadline, every body a size cap, and
// no request ever goes to an address the feed's configuration did not name
// (a redirect to another scheme, host or port is refused).
package guard

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// Defaults a client uses when its options leave them zero.
const (
	DefaultTimeout  = time.Minute
	DefaultMaxBody  = 64 << 20
	maxRedirects    = 5
	minBackoff      = 30 * time.Second
	DefaultMaxDelay = 6 * time.Hour
)

// ErrOtherHost is returned when a server redirects to an address other than
// the one configured.
var ErrOtherHost = errors.New("redirect to another address refused")

// ErrTooLarge is returned when a response body passes its cap.
var ErrTooLarge = errors.New("response larger than the cap")

// Client returns an *http.Client that refuses redirects leaving base's
// scheme, host and port, and gives up on a request after timeout (the
// whole exchange, body included, so a server that drips bytes is cut off).
// rt is the transport (nil: a clone of http.DefaultTransport).
func Client(base *url.URL, timeout time.Duration, rt http.RoundTripper) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	origin := *base
	return &http.Client{
		Transport: rt,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !SameOrigin(&origin, req.URL) {
				return fmt.Errorf("%w: %s to %s", ErrOtherHost, via[0].URL.Redacted(), req.URL.Redacted())
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// SameOrigin reports whether u has a's scheme, host and port.
func SameOrigin(a, u *url.URL) bool {
	return a.Scheme == u.Scheme && a.Hostname() == u.Hostname() && port(a) == port(u)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// ReadAll reads r to its end, or fails once it passes max bytes without
// reading more than max+1.
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBody
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return data, nil
}

// Backoff is the delay before the next try after failures consecutive
// failures: exponential from a base, capped at max, with full jitter over
// its upper half so feeds that failed together do not retry together.
func Backoff(failures int, base, max time.Duration) time.Duration {
	if base <= 0 {
		base = minBackoff
	}
	if max <= 0 {
		max = DefaultMaxDelay
	}
	d := base
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + rand.N(d/2+1)
}

// CheckURL accepts an absolute http(s) URL without credentials in it.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, err
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("%q: want http(s)://host/…", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("%q: credentials go in the feed's credential, not in its URL", u.Redacted())
	}
	return u, nil
}
