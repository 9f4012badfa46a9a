package fleetclient

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// ErrPinMismatch is what a pin check (the caller's tls.Config
// VerifyConnection) returns when the server's certificate is not the
// pinned one; the client then explains it like any untrusted certificate.
var ErrPinMismatch = errors.New("server certificate does not match --pin")

// CertError is a request that failed because the server's certificate was
// not trusted. Hint says how to trust it, naming the options the agent
// and `cascade client` share (--ca-cert, --pin): an operator meeting
// "x509: certificate signed by unknown authority" for the first time
// should not have to look them up.
type CertError struct {
	Err  error
	Hint string
}

func (e *CertError) Error() string { return e.Err.Error() + "; " + e.Hint }
func (e *CertError) Unwrap() error { return e.Err }

// pinHowTo says where a server's SHA-256 fingerprint comes from.
const pinHowTo = "the fingerprint `cascade serve` logs at start, or: " +
	"openssl x509 -in DATA/tls-cert.pem -noout -fingerprint -sha256"

// explainCert wraps a certificate failure in a CertError; other errors are
// returned as they are.
func explainCert(err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		hint     string
	)
	switch {
	case errors.Is(err, ErrPinMismatch):
		hint = "the certificate the server sent is not the pinned one: compare --pin with " + pinHowTo +
			" (it changes when the server's certificate is renewed); if it did not change, something else is answering"
	case errors.As(err, &unknown):
		hint = "to trust this server, pass --ca-cert with its CA certificate (for a server's own self-signed certificate, " +
			"its DATA/tls-cert.pem) or --pin with its SHA-256 fingerprint (" + pinHowTo + ")"
	case errors.As(err, &hostname):
		hint = fmt.Sprintf("the certificate is not valid for %q (it names %s): use one of those names in --server, "+
			"or --pin its SHA-256 fingerprint (%s)", hostname.Host, certNames(hostname.Certificate), pinHowTo)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		hint = "the server's certificate is expired or not yet valid: check both machines' clocks, or renew it on the server"
	default:
		return err
	}
	return &CertError{Err: err, Hint: hint}
}

// certNames lists the host names and addresses a certificate is for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "no names"
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}
