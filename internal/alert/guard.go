package alert

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Guard refuses destinations a webhook must not reach: the server's own
// machine, loopback (unless AllowLoopback), link-local addresses
// (169.254.0.0/16, fe80::/10) and the cloud metadata endpoints. It is
// checked when a sink is configured (Check) and again on every connection
// (Control, for net.Dialer), on the address actually dialed: a name that
// resolved to a public address when configured and to an internal one
// later (DNS rebinding) is refused.
type Guard struct {
	AllowLoopback bool
	// Self lists the server's own addresses; nil means the addresses of
	// the machine's interfaces.
	Self []netip.Addr
}

// metadata are the instance-metadata addresses of the major clouds that
// are not link-local: AWS's IPv6 endpoint, Alibaba's, Oracle's.
var metadata = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("192.0.0.192"),
}

// CheckAddr reports why ip is refused, or nil.
func (g *Guard) CheckAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return fmt.Errorf("invalid address")
	case ip.IsUnspecified():
		return fmt.Errorf("address %s is unspecified", ip)
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return fmt.Errorf("address %s is link-local", ip)
	case ip.IsMulticast():
		return fmt.Errorf("address %s is multicast", ip)
	}
	for _, m := range metadata {
		if ip == m {
			return fmt.Errorf("address %s is a cloud metadata endpoint", ip)
		}
	}
	if g.AllowLoopback {
		return nil
	}
	if ip.IsLoopback() {
		return fmt.Errorf("address %s is loopback", ip)
	}
	self := g.Self
	if self == nil {
		self = interfaceAddrs()
	}
	for _, s := range self {
		if s.Unmap() == ip {
			return fmt.Errorf("address %s is this server's", ip)
		}
	}
	return nil
}

func interfaceAddrs() []netip.Addr {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}

// Check resolves host and refuses it when any of its addresses is.
func (g *Guard) Check(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(ip)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if err := g.CheckAddr(ip); err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
	}
	return nil
}

// Control is a net.Dialer Control function that refuses the address
// about to be connected.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if err := g.CheckAddr(ap.Addr()); err != nil {
		return fmt.Errorf("refused to connect: %w", err)
	}
	return nil
}
