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
var ErrPinMismatch = errors.New("server certificate does not match the pinned fingerprint")

// CertProblem says why a server's certificate was not trusted.
type CertProblem int

// Certificate problems.
const (
	CertPinMismatch      CertProblem = iota + 1 // not the pinned certificate
	CertUnknownAuthority                        // signed by no trusted CA
	CertWrongName                               // not valid for the name connected to
	CertExpired                                 // expired or not yet valid
)

// CertError is a request that failed because the server's certificate was
// not trusted. Its message says how to trust it in words that name no
// command-line option; a command adds its own options' names (Problem
// says which apply): an operator meeting "x509: certificate signed by
// unknown authority" for the first time should not have to look them up.
type CertError struct {
	Err     error
	Problem CertProblem
	Hint    string
}

func (e *CertError) Error() string { return e.Err.Error() + "; " + e.Hint }
func (e *CertError) Unwrap() error { return e.Err }

// PinHowTo says where a server's SHA-256 fingerprint comes from.
const PinHowTo = "the fingerprint `cascade serve` logs at start, or: " +
	"openssl x509 -in DATA/tls-cert.pem -noout -fingerprint -sha256"

// explainCert wraps a certificate failure in a CertError; other errors are
// returned as they are.
func explainCert(err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		ce       = &CertError{Err: err}
	)
	switch {
	case errors.Is(err, ErrPinMismatch):
		ce.Problem, ce.Hint = CertPinMismatch, "the certificate the server sent is not the pinned one: compare the pinned fingerprint with "+PinHowTo+
			" (it changes when the server's certificate is renewed); if it did not change, something else is answering"
	case errors.As(err, &unknown):
		ce.Problem, ce.Hint = CertUnknownAuthority, "to trust this server, trust its CA certificate (for a server's own self-signed certificate, "+
			"its DATA/tls-cert.pem) or pin its SHA-256 fingerprint ("+PinHowTo+")"
	case errors.As(err, &hostname):
		ce.Problem, ce.Hint = CertWrongName, fmt.Sprintf("the certificate is not valid for %q (it names %s): connect to one of those names, "+
			"or pin its SHA-256 fingerprint (%s)", hostname.Host, certNames(hostname.Certificate), PinHowTo)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		ce.Problem, ce.Hint = CertExpired, "the server's certificate is expired or not yet valid: check both machines' clocks, or renew it on the server"
	default:
		return err
	}
	return ce
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
