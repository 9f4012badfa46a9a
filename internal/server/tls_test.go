package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedIsALeaf(t *testing.T) {
	f, err := SelfSigned(t.TempDir(), []string{"cascade.example.org", "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(f.Cert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsCA || c.KeyUsage&x509.KeyUsageCertSign != 0 {
		t.Errorf("IsCA %v, key usage %b: a self-signed server certificate must not sign others", c.IsCA, c.KeyUsage)
	}
	if life := c.NotAfter.Sub(c.NotBefore); life > 397*24*time.Hour {
		t.Errorf("valid for %v, more than 397 days", life)
	}
	if !slices.Contains(c.DNSNames, "cascade.example.org") || !slices.Contains(c.DNSNames, "localhost") {
		t.Errorf("DNS names %v", c.DNSNames)
	}
	if !slices.ContainsFunc(c.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.ParseIP("10.1.2.3")) }) {
		t.Errorf("IP addresses %v", c.IPAddresses)
	}
	if err := c.VerifyHostname("cascade.example.org"); err != nil {
		t.Error(err)
	}
}

// TestServerTLSSuites offers each TLS 1.2 suite alone to a real listener
// on loopback: only ECDHE with an AEAD cipher may be accepted.
func TestServerTLSSuites(t *testing.T) {
	f, err := SelfSigned(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := ServerTLS(f)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	suites := append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
	for _, cs := range suites {
		if !slices.Contains(cs.SupportedVersions, tls.VersionTLS12) {
			continue
		}
		// The generated key is ECDSA: the RSA suites cannot be chosen.
		want := slices.Contains(tls12Suites, cs.ID) && strings.Contains(cs.Name, "_ECDSA_")
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(),
			&tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{cs.ID}})
		if err == nil {
			c.Close()
		}
		if got := err == nil; got != want {
			t.Errorf("%s: accepted %v, want %v (%v)", cs.Name, got, want, err)
		}
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(),
			&tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v})
		if err == nil {
			c.Close()
			t.Errorf("TLS version %x accepted", v)
		}
	}
}
