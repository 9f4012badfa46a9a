package server

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed authentication is limited per client address with a token
// bucket: failBurst failures at once, then one per failRefill. An
// address whose bucket is empty is answered 429 with Retry-After before
// its token is even looked up, so a stolen laptop cannot flood the token
// table or the logs. IPv6 addresses count per /64 (one host can hold a
// whole /64). Behind a proxy every client shares the proxy's address.
const (
	failBurst     = 10
	failRefill    = 6 * time.Second
	maxFailAddrs  = 10000 // addresses tracked at once; full buckets are swept
	auditFailsMax = 60    // audit records of failures per minute, all addresses together
)

// errRateLimited is answered 429 with Retry-After.
type errRateLimited struct{ wait time.Duration }

func (e *errRateLimited) Error() string {
	return fmt.Sprintf("too many failed sign-ins or tokens from this address; retry in %d s", e.retryAfter())
}

func (e *errRateLimited) retryAfter() int { return int((e.wait + time.Second - 1) / time.Second) }

type bucket struct {
	tokens float64
	at     time.Time
	fails  int // failures since the last audit record
}

// authLimiter keeps a bucket per client address.
type authLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	audits  int // audit records in the current minute
	minute  time.Time
}

func newAuthLimiter() *authLimiter { return &authLimiter{buckets: map[string]*bucket{}} }

// clientKey is the address a request is limited by.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// refill brings b up to now.
func (b *bucket) refill(now time.Time) {
	b.tokens = min(failBurst, b.tokens+float64(now.Sub(b.at))/float64(failRefill))
	b.at = now
}

// check refuses an address whose failures used up its bucket.
func (l *authLimiter) check(key string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return nil
	}
	b.refill(now)
	if b.tokens < 1 {
		return &errRateLimited{wait: time.Duration((1 - b.tokens) * float64(failRefill))}
	}
	return nil
}

// fail spends one of the address's tokens. It reports whether this
// failure should be written to the audit log, and how many failures the
// record covers: the first failure of an address and the one that
// empties its bucket are recorded (so about two records per address per
// minute at most), and no more than auditFailsMax a minute overall.
func (l *authLimiter) fail(key string, now time.Time) (audit bool, count int, blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.sweep(now)
		if len(l.buckets) >= maxFailAddrs {
			return false, 0, false
		}
		b = &bucket{tokens: failBurst, at: now}
		l.buckets[key] = b
	}
	b.refill(now)
	first := b.tokens >= failBurst
	b.tokens--
	b.fails++
	blocked = b.tokens < 1
	if !first && !blocked {
		return false, 0, false
	}
	if now.Sub(l.minute) >= time.Minute {
		l.minute, l.audits = now, 0
	}
	if l.audits >= auditFailsMax {
		return false, 0, blocked
	}
	l.audits++
	count, b.fails = b.fails, 0
	return true, count, blocked
}

// sweep forgets addresses whose buckets are full again.
func (l *authLimiter) sweep(now time.Time) {
	if len(l.buckets) < maxFailAddrs {
		return
	}
	for k, b := range l.buckets {
		if b.refill(now); b.tokens >= failBurst {
			delete(l.buckets, k)
		}
	}
}
