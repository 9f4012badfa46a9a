package fleete2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

var bg = context.Background()

// engines runs fn with a way to open the same store again, on SQLite and
// (when CASCADE_TEST_POSTGRES is set) PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, open func(t *testing.T) store.Store, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cascade.db")
		fn(t, func(t *testing.T) store.Store {
			s, err := sqlite.Open(bg, path, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}, "")
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Database(t)
		fn(t, func(t *testing.T) store.Store {
			s, err := postgres.Open(bg, dsn, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}, dsn)
	})
}

// live is a server on a loopback TLS port with its background work.
type live struct {
	srv   *server.Server
	url   string
	pin   string
	tls   *tls.Config
	admin string
}

// startServer serves st over TLS with a self-signed certificate; agents
// and clients trust it by its fingerprint, as documented.
func startServer(t *testing.T, st store.Store, mod func(*server.Config)) *live {
	t.Helper()
	cfg := server.Config{Store: st, PollEvery: 100 * time.Millisecond, Secure: true}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	files, err := server.SelfSigned(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := server.ServerTLS(files)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.NewHTTPServer("")
	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{}, 2)
	go func() { srv.Run(ctx); done <- struct{}{} }()
	go func() { hs.Serve(tls.NewListener(ln, conf)); done <- struct{}{} }()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		<-done
	})
	admin, err := srv.Bootstrap(bg)
	if err != nil {
		t.Fatal(err)
	}
	return &live{srv: srv, url: "https://" + ln.Addr().String(), pin: files.Fingerprint, tls: pinned(files.Fingerprint), admin: admin}
}

// pinned trusts exactly one certificate, as `--pin` does.
func pinned(fp string) *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		if got := fingerprint(cs.PeerCertificates[0].Raw); got != fp {
			return fmt.Errorf("certificate %s is not the pinned %s", got, fp)
		}
		return nil
	}}
}

func (l *live) client(token string) *fleetclient.Client { return fleetclient.New(l.url, token, l.tls) }

func (l *live) enrollToken(t *testing.T) string {
	t.Helper()
	tc, err := l.client(l.admin).CreateToken(bg, fleet.TokenRequest{Name: "e2e", Role: fleet.TokenEnroll, Uses: 10})
	if err != nil {
		t.Fatal(err)
	}
	return tc.Secret
}

// waitHunt waits for a hunt to finish through the API.
func waitHunt(t *testing.T, c *fleetclient.Client, id int64, within time.Duration) fleet.Hunt {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		h, err := c.Hunt(bg, id)
		if err == nil && (h.Status == fleet.HuntDone || h.Status == fleet.HuntFailed) {
			if h.Status == fleet.HuntFailed {
				t.Fatalf("hunt %d failed: %s", id, h.Error)
			}
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("hunt %d not done after %s: %+v %v", id, within, h, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var t0 = time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
