package cli

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
)

// connFlags say how to reach a server safely: its URL and how to trust
// its certificate (system roots, a CA file, or a pinned fingerprint).
type connFlags struct {
	server string
	caCert string
	pin    string
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.server, "server", "", "server URL, e.g. https://cascade.example:8443 (env CASCADE_SERVER)")
	fs.StringVar(&c.caCert, "ca-cert", "", "trust this CA (PEM), e.g. the server's self-signed tls-cert.pem")
	fs.StringVar(&c.pin, "pin", "", "trust exactly the server certificate with this SHA-256 fingerprint (hex, as `cascade serve` logs it)")
}

// resolve fills the server from the environment and builds the TLS
// configuration.
func (c *connFlags) resolve(e *env) (*tls.Config, error) {
	if c.server == "" {
		c.server = e.getenv("CASCADE_SERVER")
	}
	if c.server == "" {
		return nil, usagef("--server is required (or set CASCADE_SERVER)")
	}
	if !strings.HasPrefix(c.server, "https://") && !strings.HasPrefix(c.server, "http://") {
		return nil, usagef("--server must be an https:// URL")
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.caCert != "" {
		pem, err := os.ReadFile(c.caCert)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s: no PEM certificate", c.caCert)
		}
		conf.RootCAs = pool
	}
	if c.pin != "" {
		want := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(c.pin, ":", ""), "sha256"))
		if len(want) != 64 {
			return nil, usagef("--pin must be a SHA-256 fingerprint (64 hex characters)")
		}
		conf.InsecureSkipVerify = true // replaced by the pin check below
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != want {
				return fleetclient.ErrPinMismatch
			}
			return nil
		}
	}
	return conf, nil
}

// readSecret reads a token from a flag, a file or the environment.
func readSecret(e *env, value, file, envName string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if value != "" {
		return value, nil
	}
	return strings.TrimSpace(e.getenv(envName)), nil
}
