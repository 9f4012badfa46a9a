package server

import (
	"net"
	"sync"
)

// LimitConnsPerAddr wraps a listener so that one client address holds at
// most n connections at a time; a connection past that is closed as soon
// as it is accepted. n <= 0 returns ln unchanged. Behind a proxy every
// client shares the proxy's address: leave the cap off (0) there.
func LimitConnsPerAddr(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return &addrLimiter{Listener: ln, max: n, open: map[string]int{}}
}

type addrLimiter struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (l *addrLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := clientAddr(c)
		l.mu.Lock()
		ok := l.open[addr] < l.max
		if ok {
			l.open[addr]++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, l: l, addr: addr}, nil
		}
		c.Close()
	}
}

func (l *addrLimiter) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// clientAddr is the connection's remote IP address, without its port;
// an IPv6 address counts as its /64, which one client usually holds
// whole.
func clientAddr(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a.IP.To4() == nil {
			return a.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
		}
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn gives its place back once, when closed.
type limitedConn struct {
	net.Conn
	l    *addrLimiter
	addr string
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.release(c.addr) })
	return c.Conn.Close()
}
