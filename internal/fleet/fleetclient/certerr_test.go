package fleetclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCertErrorHints: a server certificate the client cannot trust gives an
// error that says how to trust it; a trusted one gives none.
func TestCertErrorHints(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hosts":[],"total":0}`))
	}))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tests := []struct {
		name string
		conf *tls.Config
		want []string // in the error; nil: no error
	}{
		{"unknown authority", &tls.Config{}, []string{"unknown authority", "trust its CA certificate", "pin its SHA-256", "openssl x509"}},
		{"other host name", &tls.Config{RootCAs: roots, ServerName: "cascade.invalid"},
			[]string{`not valid for "cascade.invalid"`, "example.com, 127.0.0.1", "pin its SHA-256"}},
		{"pin mismatch", &tls.Config{InsecureSkipVerify: true,
			VerifyConnection: func(tls.ConnectionState) error { return ErrPinMismatch }},
			[]string{"does not match the pinned fingerprint", "not the pinned one", "cascade serve"}},
		{"trusted", &tls.Config{RootCAs: roots}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(srv.URL, "cas_test", tt.conf).Hosts(context.Background(), nil)
			var ce *CertError
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a CertError", err, err)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("a library error names a command-line option: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}
